/** Defaults shared by both sides; the relay may be configured tighter or looser. */
export const LIMITS = {
  /** Longest message body, in UTF-16 code units (what a textarea's maxlength counts). */
  messageTextMax: 4000,
  displayNameMax: 64,
  roomNameMax: 80,
  /** A reaction is one emoji, which may be several code points (skin tones, ZWJ sequences). */
  reactionKeyMax: 32,
  /** People one message may mention (`message.sent` v2). */
  mentionsMax: 50,
  /** Events in one `push` frame. */
  pushBatchMax: 100,
  /** A frame larger than this is refused with `frame_too_large`. */
  frameBytesMax: 256 * 1024,
  /** Catch-up pages stay below both bounds. */
  pageEventsMax: 500,
  pageBytesMax: 128 * 1024,
} as const;
