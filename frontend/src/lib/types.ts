// The backend's JSON contract (see frontend/README.md "API contract").

export interface Product {
  id: string;
  dropId: string;
  name: string;
  description: string;
  priceCents: number;
  currency: string;
  imageUrl: string;
  stockTotal: number;
  stockRemaining: number;
  soldOut: boolean;
  limitPerCustomer: number;
}

export interface Drop {
  id: string;
  date: string; // YYYY-MM-DD in the event's time zone
  startsAt: string;
  endsAt: string;
  products: Product[];
}

export interface EventInfo {
  id: string;
  name: string;
  timeZone: string;
}

export interface CurrentDrop {
  serverTime: string;
  event: EventInfo;
  drop: Drop | null;
  nextDropAt: string | null;
  secondsUntilNextDrop: number | null;
}

export interface Order {
  id: string;
  productId: string;
  quantity: number;
  totalCents: number;
  currency: string;
  status: string;
  createdAt: string;
}

export interface Session {
  sessionId: string;
  expiresAt: string;
}
