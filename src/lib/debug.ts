import createDebug from 'debug';

/** The package's debug channel: enable with `DEBUG=oauth2orize`. */
export const debug = createDebug('oauth2orize');

/** A handler's name for log lines, as 1.x prints it. */
export function nameOf(fn: Function): string {
  return fn.name || 'anonymous';
}
