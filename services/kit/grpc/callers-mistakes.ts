/**
 * Requests connect-es cannot read, which it answers as if the server had failed though only the caller is at fault:
 * bytes that are not the method's protobuf (INTERNAL "parse binary: …"), a message flagged compressed on a call that
 * named no encoding (INTERNAL), a unary or server-streaming call with no message or with two (UNIMPLEMENTED). They
 * are answered INVALID_ARGUMENT instead, so neither the deployment alarm nor Billing's breaker counts them
 * (docs/billing.md, "Internal API").
 */
import { Code, ConnectError } from '@connectrpc/connect';

/** connect-es's messages for a request message it cannot read (its serialization and its envelope reader). */
const UNREADABLE_MESSAGE = /^(parse binary: |received compressed envelope, but do not know how to decompress$)/;
/** connect-es's message for a call that brought no message or too many where it takes exactly one. */
const NOT_ONE_MESSAGE = /^protocol error: (missing|received extra) input message for (unary|server-streaming) method$/;

const isServerCode = (error: ConnectError) => error.code === Code.Internal || error.code === Code.Unimplemented;

/**
 * Makes `error` the caller's mistake (INVALID_ARGUMENT) when it is one of connect-es's errors for a request it could
 * not read. In place: connect-es answers with the very object it raised (a unary call's request is read before any
 * interceptor runs, so no interceptor can throw another in its stead), and the answer is written from its code.
 */
function asCallersMistake(error: unknown, pattern: RegExp): void {
  if (!(error instanceof ConnectError) || !isServerCode(error) || !pattern.test(error.rawMessage)) return;
  Object.assign(error, { code: Code.InvalidArgument, message: `[invalid_argument] ${error.rawMessage}` });
}

/** For an error raised while reading a call's request (before the handler, or from its stream of messages). */
export const markUnreadableRequest = (error: unknown) => asCallersMistake(error, UNREADABLE_MESSAGE);

/** For an error out of the handler: only connect-es's own "not exactly one message", never a handler's own error. */
export const markMessageCount = (error: unknown) => asCallersMistake(error, NOT_ONE_MESSAGE);

/** A streaming call's request messages, an unreadable one failing as the caller's mistake. */
export async function* readAsCallersMessages<T>(messages: AsyncIterable<T>): AsyncIterable<T> {
  try {
    yield* messages;
  } catch (error) {
    markUnreadableRequest(error);
    throw error;
  }
}

/**
 * connect-es's refusal of a request encoding it does not accept. UNIMPLEMENTED, as the gRPC compression spec asks
 * (doc/compression.md), with the encodings it accepts (none: serve-grpc.ts); but the caller's choice, not a fault.
 */
export const isRefusedEncoding = (error: ConnectError) => error.code === Code.Unimplemented && /^unknown compression "/.test(error.rawMessage);
