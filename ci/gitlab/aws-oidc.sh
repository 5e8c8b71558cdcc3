# Source this file (". ci/<vendor>/aws-oidc.sh"): exchanges the vendor's OIDC token for
# short-lived credentials of the CI deployer role (STS AssumeRoleWithWebIdentity,
# which needs no AWS signature, so curl is enough) and exports AWS_ACCESS_KEY_ID,
# AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN into the calling shell.
#
# Needs: AWS_ROLE_ARN, AWS_REGION, and the token in AWS_WEB_IDENTITY_TOKEN.
# Optional: AWS_ROLE_SESSION_NAME, AWS_SESSION_DURATION (seconds, default 3600),
# AWS_STS_ENDPOINT (default: the regional STS endpoint; the parity test points it at a fake).
# Prints nothing secret: the token goes to curl on stdin, the answer into variables.
# ci/{gitlab,circleci,jenkins}/aws-oidc.sh are byte-identical copies (the parity test checks it):
# each vendor directory stays self-contained.

# shellcheck shell=sh disable=SC2317 # "return || exit": sourced as intended, or run by mistake
set +x
: "${AWS_ROLE_ARN:?set AWS_ROLE_ARN to the deployer role ARN (terraform base output deployer_role_arn)}"
: "${AWS_REGION:?set AWS_REGION}"
: "${AWS_WEB_IDENTITY_TOKEN:?no OIDC token in AWS_WEB_IDENTITY_TOKEN}"

eventmall_sts_answer=$(printf '%s' "$AWS_WEB_IDENTITY_TOKEN" | curl -fsS --retry 3 \
  "${AWS_STS_ENDPOINT:-https://sts.${AWS_REGION}.amazonaws.com/}" \
  --data-urlencode "Action=AssumeRoleWithWebIdentity" \
  --data-urlencode "Version=2011-06-15" \
  --data-urlencode "RoleArn=${AWS_ROLE_ARN}" \
  --data-urlencode "RoleSessionName=${AWS_ROLE_SESSION_NAME:-eventmall-ci}" \
  --data-urlencode "DurationSeconds=${AWS_SESSION_DURATION:-3600}" \
  --data-urlencode "WebIdentityToken@-") || {
  echo "aws-oidc: AssumeRoleWithWebIdentity failed for ${AWS_ROLE_ARN}" >&2
  return 1 2>/dev/null || exit 1
}
eventmall_sts_answer=$(printf '%s' "$eventmall_sts_answer" | tr -d '\n\r')

eventmall_xml_field() {
  printf '%s' "$eventmall_sts_answer" | sed -n "s:.*<$1>\([^<]*\)</$1>.*:\1:p"
}

AWS_ACCESS_KEY_ID=$(eventmall_xml_field AccessKeyId)
AWS_SECRET_ACCESS_KEY=$(eventmall_xml_field SecretAccessKey)
AWS_SESSION_TOKEN=$(eventmall_xml_field SessionToken)
export AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN
unset eventmall_sts_answer AWS_WEB_IDENTITY_TOKEN

if [ -z "$AWS_ACCESS_KEY_ID" ] || [ -z "$AWS_SECRET_ACCESS_KEY" ] || [ -z "$AWS_SESSION_TOKEN" ]; then
  echo "aws-oidc: the STS answer held no credentials" >&2
  return 1 2>/dev/null || exit 1
fi
echo "aws-oidc: assumed ${AWS_ROLE_ARN} (short-lived credentials exported)"
