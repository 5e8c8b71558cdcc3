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

/**
 * A clock that reads startMs when it is made and then runs at the system clock's speed:
 * CLOCK_START, for browser tests and rehearsals that must not depend on the day they run on
 * (a run crossing the event's midnight would switch drops under them).
 */
export function startedClock(startMs, systemNow = () => Date.now()) {
  const offset = startMs - systemNow();
  return { now: () => systemNow() + offset };
}

/** The business clock a configuration asks for: the system's, or one started at CLOCK_START. */
export function clockFor(config) {
  return typeof config.clockStartMs !== 'number' ? systemClock : startedClock(config.clockStartMs);
}
