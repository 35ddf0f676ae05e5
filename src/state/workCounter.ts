/** Counts pieces of work in flight (worker requests, a conversion), and says when none is. */
export interface WorkCounter {
  /** Counts `work` until it settles; returns it. */
  during<T>(work: Promise<T>): Promise<T>;
  /** Resolves once nothing is in flight (at once if nothing is). */
  idle(): Promise<void>;
}

export function workCounter(): WorkCounter {
  let inFlight = 0;
  let waiting: (() => void)[] = [];
  return {
    during(work) {
      inFlight++;
      return work.finally(() => {
        if (--inFlight > 0) return;
        for (const resume of waiting) resume();
        waiting = [];
      });
    },
    idle: () => (inFlight === 0 ? Promise.resolve() : new Promise((resume) => waiting.push(resume))),
  };
}
