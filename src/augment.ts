/**
 * Declaration merging: Express's `Request` gains the `oauth2` transaction
 * this package sets. The global `Express` namespace is the one
 * `@types/express` reads, and declaring it costs nothing when Express types
 * are absent.
 *
 * The property comes through a base interface (`extends`) rather than being
 * declared in `Request` itself. Two declarations of one property must agree
 * exactly, so a direct declaration would clash with an app that declares its
 * own, as apps written for `@types/oauth2orize` do
 * (`oauth2: OAuth2<Client, User>`, optional or not). A property the app
 * declares in `Request` instead overrides the inherited one, as long as its
 * type fits `OAuth2Transaction<any, any>`.
 */
import type { OAuth2Transaction } from './types.js';

/** What the package adds to `Express.Request`. */
export interface OAuth2RequestProperty {
  /**
   * The OAuth 2.0 transaction, set by the oauth2orize middleware. To type
   * its client and user, declare `oauth2: OAuth2Transaction<Client, User>`
   * in your own `Express.Request` augmentation, or use `OAuth2Request`.
   */
  oauth2?: OAuth2Transaction<any, any> | undefined;
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    // eslint-disable-next-line @typescript-eslint/no-empty-object-type
    interface Request extends OAuth2RequestProperty {}
  }
}
