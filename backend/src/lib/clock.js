// The business clock. Production uses the system clock; tests inject a controllable one, so the
// midnight switch is tested without sleeping.
export const systemClock = { now: () => Date.now() };

export function manualClock(startMs) {
  let t = startMs;
  return {
    now: () => t,
    set(ms) { t = ms; },
    advance(ms) { t += ms; },
  };
}
