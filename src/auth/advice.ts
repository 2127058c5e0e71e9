// What to tell the user when STS refuses: in terms of the inputs and the RAM setup, for each family
// of STS error codes. Pure text.
import type { OidcSource } from './sources.js';
import type { StsFailure } from './sts.js';

export function requestIdNote(requestId: string | undefined): string {
  return requestId ? ` (STS RequestId: ${requestId})` : '';
}

// Says what to change, in terms of the action's inputs and the RAM setup, for each STS error family.
export function describeStsFailure(
  failure: StsFailure,
  source: OidcSource,
  subject: string | undefined,
): string {
  const code = failure.code ?? '';
  const said = failure.code ? `STS ${failure.code}: ${failure.message}`.trim() : failure.message;
  const head = `Could not assume role ${source.roleArn} with GitHub OIDC (${said}).`;
  const tail =
    requestIdNote(failure.requestId) +
    (failure.recommend ? ` Diagnosis: ${failure.recommend}` : '');
  return `${head} ${stsAdvice(failure, code, source, subject)}${tail}`;
}

function stsAdvice(
  failure: StsFailure,
  code: string,
  source: OidcSource,
  subject: string | undefined,
): string {
  const provider = source.oidcProviderArn;
  if (failure.kind !== 'api' || failure.transient) {
    return `STS did not answer usefully after ${failure.attempts} attempt(s) at ${source.stsEndpoint.origin}; retry later or set sts-endpoint to a reachable STS endpoint.`;
  }
  // STS reports an unknown provider both ways: as its own code, and as NoPermission with a message.
  if (
    /OIDCProvider/i.test(code) ||
    (/NoPermission/i.test(code) && /OIDC Provider/i.test(failure.message))
  ) {
    return `Check oidc-provider-arn: ${provider} must name an OIDC identity provider in RAM whose issuer URL is https://token.actions.githubusercontent.com.`;
  }
  if (/RoleSessionName/i.test(code)) {
    return 'Check role-session-name: 2 to 64 characters of letters, digits and . @ - _.';
  }
  if (/EntityNotExist\.Role|RoleArn/i.test(code)) {
    return `Check role-arn: ${source.roleArn} must be an existing RAM role in the account of ${provider}.`;
  }
  if (/DurationSeconds/i.test(code)) {
    return `role-duration-seconds (${source.durationSeconds}) exceeds the role's maximum session duration: lower it or raise the role's MaxSessionDuration.`;
  }
  if (/AudienceNotMatch/i.test(code)) {
    return `Check audience: "${source.audience}" must be one of the client IDs of the OIDC provider ${provider}.`;
  }
  if (/OIDCToken\.Expired/i.test(code)) {
    return 'The GitHub OIDC token had expired when STS checked it: re-run the job; if it persists, check the runner clock.';
  }
  if (/OIDCToken\.(Invalid|InvalidSignature|HttpsUrlInvalid|Issuer)/i.test(code)) {
    return `STS could not verify the GitHub OIDC token: check that ${provider} has issuer URL https://token.actions.githubusercontent.com and an up-to-date fingerprint.`;
  }
  if (/NoPermission|Forbidden|AuthenticationFail/i.test(code)) {
    const who = subject
      ? `this run's subject "${subject}"`
      : "this run's subject, such as repo:<owner>/<repo>:ref:refs/heads/main";
    return `The trust policy of ${source.roleArn} rejected this workflow: it must trust ${provider}, and its oidc:sub condition must match ${who} (oidc:aud must match "${source.audience}").`;
  }
  return "Check role-arn, oidc-provider-arn and the role's trust policy.";
}
