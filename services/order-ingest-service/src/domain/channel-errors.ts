/**
 * What a channel's answer means for a sync. The transport (src/infra/channels) turns HTTP answers
 * into these; the use cases decide what each does to the job and the store.
 */

/** The channel refused the credentials (expired, revoked, scopes removed): the store needs a person. */
export class ChannelAuthError extends Error {
  readonly retriable = false;
  constructor(
    readonly channel: string,
    /** The channel's own words, shown on the store (`needs_attention`). */
    readonly channelMessage: string,
    readonly status: number,
  ) {
    super(`${channel} refused the store's credentials (${status}): ${channelMessage}`);
    this.name = 'ChannelAuthError';
  }
}

/** The channel kept failing (5xx, timeouts, throttling) after every retry: try again later. */
export class ChannelUnavailableError extends Error {
  readonly retriable = true;
  constructor(
    readonly channel: string,
    message: string,
  ) {
    super(message);
    this.name = 'ChannelUnavailableError';
  }
}

/** The channel answered a request it will never accept (a 4xx other than auth and throttling). */
export class ChannelRequestError extends Error {
  readonly retriable = false;
  constructor(
    readonly channel: string,
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'ChannelRequestError';
  }
}
