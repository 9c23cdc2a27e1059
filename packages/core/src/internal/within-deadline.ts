/**
 * Settles like `work`, unless `work` is a promise still pending after `ms` milliseconds: then it
 * rejects with `timeout()` and aborts `controller` (so the late stage can stop). A value that is not
 * a promise is returned as is, with no timer: a synchronous stage has nothing left to wait for.
 */
export function withinDeadline<T>(
  work: T | PromiseLike<T>,
  ms: number,
  timeout: () => Error,
  controller?: AbortController,
): T | Promise<T> {
  if (!isPromiseLike(work)) return work;
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      const error = timeout();
      controller?.abort(error);
      reject(error);
    }, ms);
    // A stage that settles after its deadline settles into nothing: its rejection is handled here.
    work.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

/** True for anything with a callable `then`. */
export function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}
