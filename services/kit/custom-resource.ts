/**
 * A Lambda function behind a CloudFormation custom resource that answers every outcome itself: a failure fails the
 * deploy at once (and rolls it back) instead of leaving CloudFormation waiting out the resource's service timeout.
 * The work stops `ANSWER_RESERVE_MS` before the function's timeout, so there is always time left to answer, which is
 * a PUT to the presigned URL of the event: plain `fetch`, no AWS SDK.
 */

export interface CustomResourceEvent {
  readonly RequestType: 'Create' | 'Update' | 'Delete';
  readonly ResponseURL: string;
  readonly StackId: string;
  readonly RequestId: string;
  readonly LogicalResourceId: string;
  readonly PhysicalResourceId?: string;
  readonly ResourceProperties: Readonly<Record<string, unknown>>;
}

/** What a custom resource's function needs of Lambda's context object. */
export interface LambdaContext {
  getRemainingTimeInMillis(): number;
}

/**
 * Time kept back from the function's timeout to answer CloudFormation (a PUT of up to 10 s): a function that
 * times out answers nothing.
 */
export const ANSWER_RESERVE_MS = 15_000;

export interface CustomResourceWork {
  /** Names the physical resource (`<logical id>-<suffix>`), the same on every update, so none is ever replaced. */
  readonly physicalIdSuffix: string;
  /** Does the work for a Create or an Update by `deadline` (ms since the epoch) and says what it did. */
  readonly run: (deadline: number) => Promise<string>;
  /** What a Delete leaves behind, said as its reason: a Delete does nothing. */
  readonly onDelete: string;
  /** The log line's `msg` when the work fails. */
  readonly failed: string;
}

export async function answerCustomResource(event: CustomResourceEvent, context: LambdaContext, work: CustomResourceWork): Promise<void> {
  let outcome: { Status: 'SUCCESS' | 'FAILED'; Reason: string };
  try {
    const deadline = Date.now() + context.getRemainingTimeInMillis() - ANSWER_RESERVE_MS;
    outcome = { Status: 'SUCCESS', Reason: event.RequestType === 'Delete' ? work.onDelete : await work.run(deadline) };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    console.error(JSON.stringify({ msg: work.failed, reason }));
    outcome = { Status: 'FAILED', Reason: reason.slice(0, 2_000) };
  }
  const body = JSON.stringify({
    ...outcome,
    PhysicalResourceId: event.PhysicalResourceId ?? `${event.LogicalResourceId}-${work.physicalIdSuffix}`,
    StackId: event.StackId,
    RequestId: event.RequestId,
    LogicalResourceId: event.LogicalResourceId,
  });
  const response = await fetch(event.ResponseURL, { method: 'PUT', body, headers: { 'content-type': '' }, signal: AbortSignal.timeout(10_000) });
  if (!response.ok) throw new Error(`CloudFormation's response URL answered ${response.status}`);
}
