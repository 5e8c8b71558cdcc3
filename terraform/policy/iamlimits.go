package policy

// What the CI roles of the base module can do, decided by rendering their policies (iamrender.go)
// and evaluating concrete requests against them (iameval.go): an attacker's requests must be
// refused, the deploy's own requests must still be allowed.

import (
	"fmt"
	"sort"
	"strings"

	"github.com/zclconf/go-cty/cty"
)

// BaseEnv is the environment the base module is rendered in by the checks: a GitHub, a GitLab and
// a CircleCI trust, a hosted zone and a private zone, so every conditional statement exists.
var BaseEnv = DefaultEnv(map[string]cty.Value{
	"name":                        cty.StringVal("eventmall-prod"),
	"project":                     cty.StringVal("eventmall"),
	"environment":                 cty.StringVal("prod"),
	"event_name":                  cty.StringVal("summer-sale"),
	"trail_bucket_name":           cty.StringVal("audit-eventmall-prod-111122223333"),
	"state_bucket_name":           cty.StringVal("acme-tfstate"),
	"lock_table_name":             cty.StringVal("acme-tflocks"),
	"hosted_zone_id":              cty.StringVal("Z0EVENTZONE"),
	"private_zone_name":           cty.StringVal("internal.eventmall"),
	"github_subjects":             cty.ListVal([]cty.Value{cty.StringVal("repo:acme/eventmall:environment:production:ref:refs/heads/main")}),
	"github_plan_subjects":        cty.ListVal([]cty.Value{cty.StringVal("repo:acme/eventmall:pull_request")}),
	"gitlab_subjects":             cty.ListVal([]cty.Value{cty.StringVal("project_path:acme/eventmall:ref_type:branch:ref:main")}),
	"gitlab_plan_subjects":        cty.ListVal([]cty.Value{cty.StringVal("project_path:acme/eventmall:ref_type:branch:ref:*")}),
	"circleci_org_id":             cty.StringVal("00000000-0000-0000-0000-00000000c1c1"),
	"circleci_project_ids":        cty.ListVal([]cty.Value{cty.StringVal("00000000-0000-0000-0000-0000000000b1")}),
	"circleci_deploy_context_ids": cty.ListVal([]cty.Value{cty.StringVal("00000000-0000-0000-0000-0000000000c7")}),
})

// probe is a request and the decision it must get.
type probe struct {
	finding string // which finding of the threat model it covers
	why     string
	req     Request
	allow   bool // true: the deploy needs it (must be allowed); false: must be refused
}

func arnf(env RenderEnv, format string, args ...any) string {
	r := strings.NewReplacer("{p}", env.Partition, "{r}", env.Region, "{a}", env.Account)
	return r.Replace(fmt.Sprintf(format, args...))
}

func tags(project, environment string, prefix string) map[string][]string {
	out := map[string][]string{}
	if project != "" {
		out[prefix+"/Project"] = []string{project}
	}
	if environment != "" {
		out[prefix+"/Environment"] = []string{environment}
	}
	return out
}

func with(ctx map[string][]string, kv ...string) map[string][]string {
	out := map[string][]string{}
	for k, v := range ctx {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i]] = append(out[kv[i]], kv[i+1])
	}
	return out
}

// deployerProbes lists the requests of the threat model (findings 1, 3 and 4 of issue 16).
func deployerProbes(r *Rendered) []probe {
	env := r.Env
	prefix := "eventmall-prod"
	region := with(nil, "aws:RequestedRegion", env.Region)
	evTags := func(kind string) map[string][]string {
		return with(tags("eventmall", "prod", kind), "aws:RequestedRegion", env.Region)
	}
	boundary := arnf(env, "arn:{p}:iam::{a}:policy/eventmall/%s-workload-boundary", prefix)
	withBoundary := with(nil, "iam:PermissionsBoundary", boundary)
	var ps []probe
	deny := func(finding, why string, req Request) { ps = append(ps, probe{finding, why, req, false}) }
	allow := func(finding, why string, req Request) { ps = append(ps, probe{finding, why, req, true}) }

	// Finding 1: self-escalation through IAM.
	var accountRoles []string
	for _, b := range r.Module.ResourcesOf("aws_iam_role") {
		if arn := r.RoleARN(b.Name); arn != "" {
			accountRoles = append(accountRoles, arn)
		}
	}
	sort.Strings(accountRoles)
	for _, role := range accountRoles {
		// The account roles carry the event's tags too (the base stack's default_tags).
		tagged := tags("eventmall", "prod", "aws:ResourceTag")
		for _, ctx := range []map[string][]string{nil, tagged, with(tagged, "iam:PermissionsBoundary", boundary), with(withBoundary, "iam:PolicyARN", arnf(env, "arn:{p}:iam::aws:policy/AmazonSSMManagedInstanceCore"))} {
			for _, a := range []string{"iam:PutRolePolicy", "iam:AttachRolePolicy", "iam:UpdateAssumeRolePolicy", "iam:DeleteRolePermissionsBoundary", "iam:PutRolePermissionsBoundary", "iam:DeleteRole", "iam:UntagRole", "iam:TagRole", "iam:DeleteRolePolicy", "iam:DetachRolePolicy", "iam:UpdateRole"} {
				deny("1", "an account-level role is the administrator's", Request{a, role, ctx})
			}
		}
		for _, svc := range []string{"ec2.amazonaws.com", "ecs-tasks.amazonaws.com", "lambda.amazonaws.com"} {
			deny("1", "passing an account-level role hands its rights to a workload", Request{"iam:PassRole", role, with(nil, "iam:PassedToService", svc)})
		}
	}
	newRole := arnf(env, "arn:{p}:iam::{a}:role/eventmall/%s-task-x", prefix)
	deny("1", "a role without the workload boundary could be given any policy", Request{"iam:CreateRole", newRole, nil})
	deny("1", "a role with another boundary could be given any policy", Request{"iam:CreateRole", newRole, with(nil, "iam:PermissionsBoundary", arnf(env, "arn:{p}:iam::aws:policy/AdministratorAccess"))})
	deny("1", "an inline policy on a role without the boundary is unlimited", Request{"iam:PutRolePolicy", newRole, nil})
	deny("1", "a trust policy on a role without the boundary is a backdoor", Request{"iam:UpdateAssumeRolePolicy", newRole, nil})
	deny("1", "an attached managed policy on a role without the boundary is unlimited", Request{"iam:AttachRolePolicy", newRole, with(nil, "iam:PolicyARN", arnf(env, "arn:{p}:iam::aws:policy/AmazonSSMManagedInstanceCore"))})
	deny("1", "AdministratorAccess is never attached", Request{"iam:AttachRolePolicy", newRole, with(withBoundary, "iam:PolicyARN", arnf(env, "arn:{p}:iam::aws:policy/AdministratorAccess"))})
	deny("1", "removing a boundary lifts the cap", Request{"iam:DeleteRolePermissionsBoundary", newRole, withBoundary})
	deny("1", "replacing the boundary lifts the cap", Request{"iam:PutRolePermissionsBoundary", newRole, with(nil, "iam:PermissionsBoundary", arnf(env, "arn:{p}:iam::aws:policy/AdministratorAccess"))})
	for _, a := range []string{"iam:CreatePolicyVersion", "iam:SetDefaultPolicyVersion", "iam:DeletePolicy", "iam:DeletePolicyVersion"} {
		deny("1", "editing the boundary edits every workload's cap", Request{a, boundary, nil})
	}
	deny("1", "PassRole without naming the service passes to anything", Request{"iam:PassRole", newRole, nil})
	deny("1", "a workload role is passed only to the services that run workloads", Request{"iam:PassRole", newRole, with(nil, "iam:PassedToService", "lambda.amazonaws.com")})
	for _, a := range []string{"iam:CreateUser", "iam:CreateAccessKey", "iam:CreateLoginProfile", "iam:CreateOpenIDConnectProvider", "iam:PutUserPolicy"} {
		deny("1", "no long-lived identities from CI", Request{a, arnf(env, "arn:{p}:iam::{a}:user/eventmall/%s-x", prefix), nil})
	}
	allow("1", "the service stack creates its task role with the boundary", Request{"iam:CreateRole", newRole, withBoundary})
	allow("1", "the service stack writes its task role's inline policy", Request{"iam:PutRolePolicy", newRole, withBoundary})
	allow("1", "the bastion gets the SSM core policy", Request{"iam:AttachRolePolicy", newRole, with(withBoundary, "iam:PolicyARN", arnf(env, "arn:{p}:iam::aws:policy/AmazonSSMManagedInstanceCore"))})
	allow("1", "the service stack updates its task role's trust", Request{"iam:UpdateAssumeRolePolicy", newRole, tags("eventmall", "prod", "aws:ResourceTag")})
	allow("1", "teardown deletes the event's roles", Request{"iam:DeleteRole", newRole, tags("eventmall", "prod", "aws:ResourceTag")})
	deny("1", "a role of another environment in reach", Request{"iam:UpdateAssumeRolePolicy", newRole, tags("eventmall", "staging", "aws:ResourceTag")})
	allow("1", "ECS runs the task role", Request{"iam:PassRole", newRole, with(nil, "iam:PassedToService", "ecs-tasks.amazonaws.com")})

	// Finding 3: the audit trail.
	if bucket := r.ResourceAttr("aws_s3_bucket.trail", "arn"); bucket != "" {
		for _, a := range []string{"s3:DeleteObjectVersion", "s3:DeleteObject", "s3:PutObject", "s3:PutObjectRetention", "s3:BypassGovernanceRetention"} {
			deny("3", "the trail's log files are evidence", Request{a, bucket + "/AWSLogs/111122223333/CloudTrail/x.json.gz", nil})
		}
		for _, a := range []string{"s3:PutBucketPolicy", "s3:DeleteBucketPolicy", "s3:PutLifecycleConfiguration", "s3:PutBucketVersioning", "s3:DeleteBucket", "s3:PutBucketObjectLockConfiguration", "s3:PutEncryptionConfiguration"} {
			deny("3", "the trail bucket's settings are the administrator's", Request{a, bucket, nil})
		}
	}
	if lg := r.ResourceAttr("aws_cloudwatch_log_group.trail", "arn"); lg != "" {
		for _, a := range []string{"logs:DeleteLogGroup", "logs:PutRetentionPolicy", "logs:DeleteRetentionPolicy", "logs:DisassociateKmsKey", "logs:DeleteMetricFilter", "logs:PutMetricFilter"} {
			deny("3", "the trail's log group feeds the security alarms", Request{a, lg, nil})
		}
	}
	for _, alarm := range r.InstanceAttrs("aws_cloudwatch_metric_alarm.trail", "arn") {
		for _, a := range []string{"cloudwatch:DeleteAlarms", "cloudwatch:PutMetricAlarm", "cloudwatch:DisableAlarmActions", "cloudwatch:SetAlarmState"} {
			deny("3", "a security alarm must not be silenced by the identity it watches", Request{a, alarm, nil})
		}
	}
	if trail := r.ResourceAttr("aws_cloudtrail.this", "arn"); trail != "" {
		for _, a := range []string{"cloudtrail:StopLogging", "cloudtrail:DeleteTrail", "cloudtrail:UpdateTrail", "cloudtrail:PutEventSelectors"} {
			deny("3", "the trail keeps recording", Request{a, trail, nil})
		}
	}

	// Finding 4: writes scoped to the event (tags, delimited names, the event's zone).
	ec2 := func(kind, id string) string { return arnf(env, "arn:{p}:ec2:{r}:{a}:%s/%s", kind, id) }
	for _, ctx := range []map[string][]string{region, with(tags("eventmall", "prod2", "aws:ResourceTag"), "aws:RequestedRegion", env.Region), with(tags("other", "prod", "aws:ResourceTag"), "aws:RequestedRegion", env.Region)} {
		deny("4", "a foreign instance", Request{"ec2:TerminateInstances", ec2("instance", "i-0foreign"), ctx})
		deny("4", "a foreign security group", Request{"ec2:AuthorizeSecurityGroupIngress", ec2("security-group", "sg-0foreign"), ctx})
		deny("4", "a foreign VPC", Request{"ec2:DeleteVpc", ec2("vpc", "vpc-0foreign"), ctx})
		deny("4", "a foreign load balancer", Request{"elasticloadbalancing:DeleteLoadBalancer", arnf(env, "arn:{p}:elasticloadbalancing:{r}:{a}:loadbalancer/app/other/1"), ctx})
		deny("4", "a foreign ECS service", Request{"ecs:DeleteService", arnf(env, "arn:{p}:ecs:{r}:{a}:service/other/api"), ctx})
		deny("4", "a foreign Aurora cluster", Request{"rds:DeleteDBCluster", arnf(env, "arn:{p}:rds:{r}:{a}:cluster:other-db"), ctx})
		deny("4", "a foreign cache", Request{"elasticache:DeleteCacheCluster", arnf(env, "arn:{p}:elasticache:{r}:{a}:cluster:other"), ctx})
		deny("4", "a foreign distribution", Request{"cloudfront:DeleteDistribution", arnf(env, "arn:{p}:cloudfront::{a}:distribution/EFOREIGN"), ctx})
		deny("4", "a foreign certificate", Request{"acm:DeleteCertificate", arnf(env, "arn:{p}:acm:us-east-1:{a}:certificate/foreign"), ctx})
	}
	deny("4", "an untagged VPC", Request{"ec2:CreateVpc", ec2("vpc", "*"), region})
	deny("4", "re-tagging a foreign resource into the event", Request{"ec2:CreateTags", ec2("instance", "i-0foreign"), with(tags("eventmall", "prod", "aws:RequestTag"), "aws:RequestedRegion", env.Region, "aws:TagKeys", "Project", "aws:TagKeys", "Environment")})
	deny("4", "a secret of another cluster", Request{"secretsmanager:DeleteSecret", arnf(env, "arn:{p}:secretsmanager:{r}:{a}:secret:rds!cluster-foreign-AbCdEf"), with(nil, "aws:ResourceTag/aws:rds:primaryDBClusterArn", arnf(env, "arn:{p}:rds:{r}:{a}:cluster:other-db"))})
	deny("4", "another hosted zone", Request{"route53:ChangeResourceRecordSets", arnf(env, "arn:{p}:route53:::hostedzone/ZFOREIGN"), with(nil, "route53:ChangeResourceRecordSetsNormalizedRecordNames", "www.example.com")})
	deny("4", "a prefix without delimiter: eventmall-prod2's bucket", Request{"s3:DeleteBucket", arnf(env, "arn:{p}:s3:::%s2-site", prefix), nil})
	deny("4", "a prefix without delimiter: eventmall-prod2's repository", Request{"ecr:DeleteRepository", arnf(env, "arn:{p}:ecr:{r}:{a}:repository/%s2", prefix), nil})
	deny("4", "a prefix without delimiter: eventmall-prod2's logs", Request{"logs:DeleteLogGroup", arnf(env, "arn:{p}:logs:{r}:{a}:log-group:/eventmall/%s2/api", prefix), nil})
	deny("4", "a prefix without delimiter: eventmall-prod2's alarms", Request{"cloudwatch:DeleteAlarms", arnf(env, "arn:{p}:cloudwatch:{r}:{a}:alarm:%s2-api-5xx", prefix), nil})
	deny("4", "a prefix without delimiter: eventmall-prod2's roles", Request{"iam:PutRolePolicy", arnf(env, "arn:{p}:iam::{a}:role/eventmall/%s2-task", prefix), withBoundary})
	deny("4", "base's state is the administrator's", Request{"s3:PutObject", arnf(env, "arn:{p}:s3:::acme-tfstate/prod/base.tfstate"), nil})
	deny("4", "another environment's state", Request{"s3:PutObject", arnf(env, "arn:{p}:s3:::acme-tfstate/staging/service.tfstate"), nil})

	allow("4", "the network stack creates its VPC with the event's tags", Request{"ec2:CreateVpc", ec2("vpc", "*"), evTags("aws:RequestTag")})
	allow("4", "the network stack edits its own security groups", Request{"ec2:AuthorizeSecurityGroupIngress", ec2("security-group", "sg-0event"), evTags("aws:ResourceTag")})
	allow("4", "the data stack modifies its own cluster", Request{"rds:ModifyDBCluster", arnf(env, "arn:{p}:rds:{r}:{a}:cluster:%s-db", prefix), evTags("aws:ResourceTag")})
	allow("4", "the service stack updates its own service", Request{"ecs:UpdateService", arnf(env, "arn:{p}:ecs:{r}:{a}:service/%s/api", prefix), evTags("aws:ResourceTag")})
	allow("4", "the deploy's db-release runs the event's one-off task", Request{"ecs:RunTask", arnf(env, "arn:{p}:ecs:{r}:{a}:task-definition/%s-db-release:7", prefix), evTags("aws:ResourceTag")})
	deny("4", "a one-off task of another event", Request{"ecs:RunTask", arnf(env, "arn:{p}:ecs:{r}:{a}:task-definition/other-db-release:1"), tags("other", "prod", "aws:ResourceTag")})
	allow("4", "the edge stack updates its own distribution", Request{"cloudfront:UpdateDistribution", arnf(env, "arn:{p}:cloudfront::{a}:distribution/EEVENT"), evTags("aws:ResourceTag")})
	allow("4", "the edge stack creates the API's VPC origin with the event's tags", Request{"cloudfront:CreateVpcOrigin", "*", evTags("aws:RequestTag")})
	deny("4", "an untagged VPC origin", Request{"cloudfront:CreateVpcOrigin", "*", nil})
	allow("4", "the edge stack updates its own VPC origin", Request{"cloudfront:UpdateVpcOrigin", arnf(env, "arn:{p}:cloudfront::{a}:vpcorigin/vo_event"), evTags("aws:ResourceTag")})
	deny("4", "a foreign VPC origin", Request{"cloudfront:DeleteVpcOrigin", arnf(env, "arn:{p}:cloudfront::{a}:vpcorigin/vo_foreign"), tags("other", "prod", "aws:ResourceTag")})
	allow("4", "the first VPC origin creates CloudFront's service-linked role", Request{"iam:CreateServiceLinkedRole", arnf(env, "arn:{p}:iam::{a}:role/aws-service-role/vpcorigin.cloudfront.amazonaws.com/AWSServiceRoleForCloudFrontVPCOrigin"), with(nil, "iam:AWSServiceName", "vpcorigin.cloudfront.amazonaws.com")})
	allow("4", "the data stack creates the app user's secret (no value) with the event's tags", Request{"secretsmanager:CreateSecret", arnf(env, "arn:{p}:secretsmanager:{r}:{a}:secret:%s-db-app-user-AbCdEf", prefix), evTags("aws:RequestTag")})
	allow("4", "the data stack refreshes the app user's secret", Request{"secretsmanager:DescribeSecret", arnf(env, "arn:{p}:secretsmanager:{r}:{a}:secret:%s-db-app-user-AbCdEf", prefix), evTags("aws:ResourceTag")})
	deny("4", "the deployer reads no secret value", Request{"secretsmanager:GetSecretValue", arnf(env, "arn:{p}:secretsmanager:{r}:{a}:secret:%s-db-app-user-AbCdEf", prefix), evTags("aws:ResourceTag")})
	deny("4", "the deployer writes no secret value", Request{"secretsmanager:PutSecretValue", arnf(env, "arn:{p}:secretsmanager:{r}:{a}:secret:%s-session-keys-AbCdEf", prefix), evTags("aws:ResourceTag")})
	deny("4", "another event's secret", Request{"secretsmanager:DeleteSecret", arnf(env, "arn:{p}:secretsmanager:{r}:{a}:secret:other-prod-db-app-user-AbCdEf"), tags("other", "prod", "aws:ResourceTag")})
	allow("4", "the edge stack updates its web ACL", Request{"wafv2:UpdateWebACL", arnf(env, "arn:{p}:wafv2:us-east-1:{a}:global/webacl/%s-edge/0123", prefix), nil})
	deny("4", "another web ACL", Request{"wafv2:DeleteWebACL", arnf(env, "arn:{p}:wafv2:us-east-1:{a}:global/webacl/other-edge/0123"), nil})
	allow("4", "the edge stack updates its cache policy", Request{"cloudfront:UpdateCachePolicy", arnf(env, "arn:{p}:cloudfront::{a}:cache-policy/0123"), nil})
	allow("4", "the edge stack writes the event's records", Request{"route53:ChangeResourceRecordSets", arnf(env, "arn:{p}:route53:::hostedzone/Z0EVENTZONE"), nil})
	allow("4", "the site sync writes the site bucket", Request{"s3:PutObject", arnf(env, "arn:{p}:s3:::%s-site-111122223333/index.html", prefix), nil})
	allow("4", "the publish pushes the image", Request{"ecr:PutImage", arnf(env, "arn:{p}:ecr:{r}:{a}:repository/%s", prefix), nil})
	allow("5", "deploy plans base: refreshes the trail", Request{"cloudtrail:GetTrailStatus", arnf(env, "arn:{p}:cloudtrail:{r}:{a}:trail/%s", prefix), nil})
	allow("5", "deploy plans base: refreshes the trail bucket", Request{"s3:GetBucketObjectLockConfiguration", arnf(env, "arn:{p}:s3:::audit-%s-111122223333", prefix), nil})
	allow("4", "the service stack writes its state", Request{"s3:PutObject", arnf(env, "arn:{p}:s3:::acme-tfstate/prod/service.tfstate"), nil})
	// S3-native state locks (use_lockfile): "<key>.tflock" next to each state, written with
	// If-None-Match. A deploy plans base too, so it locks base's state without writing it.
	allow("4", "the deploy takes the network stack's S3 state lock", Request{"s3:PutObject", arnf(env, "arn:{p}:s3:::acme-tfstate/prod/network.tfstate.tflock"), nil})
	allow("4", "the deploy releases the network stack's S3 state lock", Request{"s3:DeleteObject", arnf(env, "arn:{p}:s3:::acme-tfstate/prod/network.tfstate.tflock"), nil})
	allow("4", "the deploy's plan of base takes base's S3 state lock", Request{"s3:PutObject", arnf(env, "arn:{p}:s3:::acme-tfstate/prod/base.tfstate.tflock"), nil})
	allow("4", "a catalogue-only deploy publishes the catalogue", Request{"s3:PutObject", arnf(env, "arn:{p}:s3:::acme-tfstate/prod/catalogue/0123abcd.json"), nil})
	deny("4", "another environment's catalogue", Request{"s3:PutObject", arnf(env, "arn:{p}:s3:::acme-tfstate/staging/catalogue/0123abcd.json"), nil})
	deny("4", "a published catalogue is never deleted by the deployer", Request{"s3:DeleteObject", arnf(env, "arn:{p}:s3:::acme-tfstate/prod/catalogue/0123abcd.json"), nil})
	// Every deploy and rollback writes its record (.dagger/history: <environment>/history/<id>.json).
	allow("4", "a deploy records itself in the history", Request{"s3:PutObject", arnf(env, "arn:{p}:s3:::acme-tfstate/prod/history/20261201T100000Z-aaaa.json"), nil})
	deny("4", "another environment's history", Request{"s3:PutObject", arnf(env, "arn:{p}:s3:::acme-tfstate/staging/history/20261201T100000Z-aaaa.json"), nil})
	deny("4", "a history record is never deleted by the deployer", Request{"s3:DeleteObject", arnf(env, "arn:{p}:s3:::acme-tfstate/prod/history/20261201T100000Z-aaaa.json"), nil})
	deny("4", "another environment's S3 state lock", Request{"s3:PutObject", arnf(env, "arn:{p}:s3:::acme-tfstate/staging/service.tfstate.tflock"), nil})
	deny("4", "an object of the environment that is no lock", Request{"s3:PutObject", arnf(env, "arn:{p}:s3:::acme-tfstate/prod/base.tfstate.tflock.bak"), nil})
	return ps
}

// planProbes: the plan role writes nothing, not even a state lock, but its reviewed plans' fingerprints.
func planProbes(r *Rendered) []probe {
	env := r.Env
	var ps []probe
	for _, req := range []Request{
		{"s3:PutObject", arnf(env, "arn:{p}:s3:::acme-tfstate/prod/service.tfstate"), nil},
		{"dynamodb:PutItem", arnf(env, "arn:{p}:dynamodb:{r}:{a}:table/acme-tflocks"), nil},
		{"dynamodb:DeleteItem", arnf(env, "arn:{p}:dynamodb:{r}:{a}:table/acme-tflocks"), nil},
		{"s3:PutObject", arnf(env, "arn:{p}:s3:::acme-tfstate/prod/service.tfstate.tflock"), nil},
		{"s3:DeleteObject", arnf(env, "arn:{p}:s3:::acme-tfstate/prod/service.tfstate.tflock"), nil},
		{"s3:PutObject", arnf(env, "arn:{p}:s3:::acme-tfstate/prod/catalogue/0123abcd.json"), nil},
		{"iam:PassRole", arnf(env, "arn:{p}:iam::{a}:role/eventmall/eventmall-prod-task-x"), nil},
		{"ec2:TerminateInstances", arnf(env, "arn:{p}:ec2:{r}:{a}:instance/i-0event"), tags("eventmall", "prod", "aws:ResourceTag")},
		{"ecs:UpdateService", arnf(env, "arn:{p}:ecs:{r}:{a}:service/eventmall-prod/api"), tags("eventmall", "prod", "aws:ResourceTag")},
		{"secretsmanager:GetSecretValue", arnf(env, "arn:{p}:secretsmanager:{r}:{a}:secret:rds!cluster-x"), nil},
	} {
		ps = append(ps, probe{"2", "a pull/merge request plan must not write", req, false})
	}
	ps = append(ps, probe{"2", "a plan refreshes base's trail", Request{"cloudtrail:GetTrailStatus", arnf(env, "arn:{p}:cloudtrail:{r}:{a}:trail/eventmall-prod"), nil}, true})
	ps = append(ps, probe{"2", "a plan reads the state", Request{"s3:GetObject", arnf(env, "arn:{p}:s3:::acme-tfstate/prod/service.tfstate"), nil}, true})
	// The scheduled drift and preflight (ci/calls.txt) run as the plan role: reads only.
	ps = append(ps, probe{"2", "scheduled drift compares the site bucket's objects", Request{"s3:GetObject", arnf(env, "arn:{p}:s3:::eventmall-prod-site-{a}/index.html"), nil}, true})
	ps = append(ps, probe{"2", "scheduled drift lists the site bucket", Request{"s3:ListBucket", arnf(env, "arn:{p}:s3:::eventmall-prod-site-{a}"), nil}, true})
	ps = append(ps, probe{"2", "scheduled preflight lists the held locks", Request{"dynamodb:Scan", arnf(env, "arn:{p}:dynamodb:{r}:{a}:table/acme-tflocks"), nil}, true})
	ps = append(ps, probe{"2", "no other bucket's objects (logs, another event's site)", Request{"s3:GetObject", arnf(env, "arn:{p}:s3:::eventmall-prod-alb-logs-{a}/x.log"), nil}, false})
	ps = append(ps, probe{"2", "a plan never writes the site", Request{"s3:PutObject", arnf(env, "arn:{p}:s3:::eventmall-prod-site-{a}/index.html"), nil}, false})
	// Its one write: the reviewed plan's fingerprints (.dagger/parity), which deploy compares with its
	// own plan. A forged one can only stop a deploy (deploy applies its own plan, never this file).
	ps = append(ps, probe{"2", "a pull request plan stores its fingerprints for plan parity", Request{"s3:PutObject", arnf(env, "arn:{p}:s3:::acme-tfstate/prod/reviewed-plans/0123abcd.json"), nil}, true})
	ps = append(ps, probe{"2", "and the environment's latest reviewed plan", Request{"s3:PutObject", arnf(env, "arn:{p}:s3:::acme-tfstate/prod/reviewed-plans/latest.json"), nil}, true})
	ps = append(ps, probe{"2", "another environment's reviewed plans", Request{"s3:PutObject", arnf(env, "arn:{p}:s3:::acme-tfstate/staging/reviewed-plans/latest.json"), nil}, false})
	ps = append(ps, probe{"2", "a reviewed plan is never deleted", Request{"s3:DeleteObject", arnf(env, "arn:{p}:s3:::acme-tfstate/prod/reviewed-plans/latest.json"), nil}, false})
	ps = append(ps, probe{"2", "no object beside the reviewed plans", Request{"s3:PutObject", arnf(env, "arn:{p}:s3:::acme-tfstate/prod/reviewed-plans.json"), nil}, false})
	return ps
}

// trustProbe is a web-identity token presented to a role's trust policy (its claims as the
// condition keys AWS evaluates) and whether the role must accept it.
type trustProbe struct {
	why    string
	claims map[string][]string
	allow  bool
}

// deployerTrustProbes: finding 2. Only main / the production environment restricted to main /
// CircleCI's deploy context on main may assume the deployer; a pull or merge request's job, another
// branch, an environment subject without its ref and another context may not.
func deployerTrustProbes() []trustProbe {
	const gh, gl = "token.actions.githubusercontent.com", "gitlab.com"
	cc := "oidc.circleci.com/org/00000000-0000-0000-0000-00000000c1c1"
	github := func(sub string) map[string][]string {
		return map[string][]string{gh + ":aud": {"sts.amazonaws.com"}, gh + ":sub": {sub}}
	}
	gitlab := func(sub string) map[string][]string {
		return map[string][]string{gl + ":aud": {"https://gitlab.com"}, gl + ":sub": {sub}}
	}
	circle := func(project, context, ref string) map[string][]string {
		c := map[string][]string{cc + ":aud": {"00000000-0000-0000-0000-00000000c1c1"},
			cc + ":sub": {"org/00000000-0000-0000-0000-00000000c1c1/project/" + project + "/user/00000000-0000-0000-0000-0000000000aa"}}
		if context != "" {
			c[cc+":oidc.circleci.com/context-ids"] = []string{context}
		}
		if ref != "" {
			c[cc+":oidc.circleci.com/vcs-ref"] = []string{ref}
		}
		return c
	}
	const project, deployCtx, planCtx = "00000000-0000-0000-0000-0000000000b1", "00000000-0000-0000-0000-0000000000c7", "00000000-0000-0000-0000-0000000000c8"
	return []trustProbe{
		{"GitHub's production environment on main deploys", github("repo:acme/eventmall:environment:production:ref:refs/heads/main"), true},
		{"a pull request's plan job (GitHub)", github("repo:acme/eventmall:pull_request"), false},
		{"the environment subject without its ref is claimable by any branch's workflow", github("repo:acme/eventmall:environment:production"), false},
		{"the production environment from another branch", github("repo:acme/eventmall:environment:production:ref:refs/heads/feature-x"), false},
		{"a push to another branch (GitHub)", github("repo:acme/eventmall:ref:refs/heads/feature-x"), false},
		{"another repository's production environment", github("repo:other/eventmall:environment:production:ref:refs/heads/main"), false},
		{"GitLab's protected main deploys", gitlab("project_path:acme/eventmall:ref_type:branch:ref:main"), true},
		{"a merge request pipeline of another branch (GitLab)", gitlab("project_path:acme/eventmall:ref_type:branch:ref:feature-x"), false},
		{"a tag pipeline (GitLab)", gitlab("project_path:acme/eventmall:ref_type:tag:ref:main"), false},
		{"CircleCI's deploy context on main deploys", circle(project, deployCtx, "refs/heads/main"), true},
		{"CircleCI's plan context (every branch)", circle(project, planCtx, "refs/heads/main"), false},
		{"CircleCI's deploy context on another branch", circle(project, deployCtx, "refs/heads/feature-x"), false},
		{"a CircleCI job without a context", circle(project, "", "refs/heads/main"), false},
		{"another CircleCI project", circle("00000000-0000-0000-0000-0000000000b2", deployCtx, "refs/heads/main"), false},
	}
}

// checkTrust evaluates the probes against the trust policy of aws_iam_role.role.
func checkTrust(m *Module, r *Rendered, role string, probes []trustProbe) []string {
	b := m.Find("aws_iam_role." + role)
	if b == nil {
		return nil
	}
	raw := b.Raw("assume_role_policy")
	name := strings.TrimSuffix(strings.TrimPrefix(raw, "data.aws_iam_policy_document."), ".json")
	doc, ok := r.Documents[name]
	if !ok {
		return []string{fmt.Sprintf("%s: the trust policy of aws_iam_role.%s (%s) is not a rendered aws_iam_policy_document", m.Dir, role, raw)}
	}
	var out []string
	for _, p := range probes {
		d, sid := Evaluate([]*PolicyDocument{doc}, Request{"sts:AssumeRoleWithWebIdentity", "", p.claims})
		switch {
		case p.allow && d != Allowed:
			out = append(out, fmt.Sprintf("%s: the %s role's trust refuses %v (%s) but it is %s (finding 2)", m.Dir, role, p.claims, p.why, d))
		case !p.allow && d == Allowed:
			out = append(out, fmt.Sprintf("%s: the %s role's trust admits %v, by statement %q: %s (finding 2)", m.Dir, role, p.claims, sid, p.why))
		}
	}
	return out
}

// CheckCIRoles renders the base module and evaluates the threat model's requests against the
// deployer's and the plan role's policies, and CI tokens against the deployer's trust.
func CheckCIRoles(t *Tree) []string {
	m := t.Modules["base"]
	if m == nil {
		return []string{"no modules/base: the CI roles live there"}
	}
	r := Render(m, BaseEnv)
	var out []string
	for _, name := range sortedKeys(r.Errors) {
		out = append(out, fmt.Sprintf("%s: data.aws_iam_policy_document.%s cannot be rendered: %v", m.Dir, name, r.Errors[name]))
	}
	roles := []struct {
		role   string
		probes func(*Rendered) []probe
	}{{"deployer", deployerProbes}, {"plan", planProbes}}
	for _, ro := range roles {
		if m.Find("aws_iam_role."+ro.role) == nil {
			out = append(out, fmt.Sprintf("%s: no aws_iam_role.%s", m.Dir, ro.role))
			continue
		}
		docs, _, err := r.RolePolicies(ro.role)
		if err != nil {
			out = append(out, fmt.Sprintf("%s: policies of aws_iam_role.%s: %v", m.Dir, ro.role, err))
			continue
		}
		for _, p := range ro.probes(r) {
			d, sid := Evaluate(docs, p.req)
			switch {
			case p.allow && d != Allowed:
				out = append(out, fmt.Sprintf("%s: the %s role needs %s on %s (%s) but it is %s (finding %s)", m.Dir, ro.role, p.req.Action, p.req.Resource, p.why, d, p.finding))
			case !p.allow && d == Allowed:
				out = append(out, fmt.Sprintf("%s: the %s role may %s on %s with %v, allowed by statement %q: %s (finding %s)", m.Dir, ro.role, p.req.Action, p.req.Resource, p.req.Context, sid, p.why, p.finding))
			}
		}
	}
	return append(out, checkTrust(m, r, "deployer", deployerTrustProbes())...)
}

// InstanceAttrs lists a string attribute of every instance of a resource (for_each, count or
// single).
func (r *Rendered) InstanceAttrs(addr, attr string) []string {
	parts := strings.SplitN(addr, ".", 2)
	v, ok := r.ctx.Variables[parts[0]]
	if !ok || !v.IsKnown() || !v.Type().IsObjectType() || !v.Type().HasAttribute(parts[1]) {
		return nil
	}
	o := v.GetAttr(parts[1])
	var insts []cty.Value
	switch {
	case !o.IsKnown() || o.IsNull():
	case o.Type().IsTupleType():
		insts = elems(o)
	case o.Type().IsObjectType() && !o.Type().HasAttribute(attr):
		for _, k := range sortedAttrNames(o) {
			insts = append(insts, o.GetAttr(k))
		}
	default:
		insts = []cty.Value{o}
	}
	var out []string
	for _, i := range insts {
		if i.IsKnown() && i.Type().IsObjectType() && i.Type().HasAttribute(attr) {
			if a := i.GetAttr(attr); a.IsKnown() && !a.IsNull() && a.Type() == cty.String {
				out = append(out, a.AsString())
			}
		}
	}
	return out
}

func sortedAttrNames(o cty.Value) []string {
	var ks []string
	for k := range o.Type().AttributeTypes() {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// CheckWorkloadBoundary: every IAM role outside the base module (the roles the CI deployer
// creates) carries a permissions boundary given by a variable, and every stack passes the base
// stack's boundary for it: without it the deployer is refused CreateRole (finding 1).
func CheckWorkloadBoundary(t *Tree) []string {
	var out []string
	for _, name := range sortedKeys(t.Modules) {
		m := t.Modules[name]
		if name == "base" {
			continue
		}
		for _, r := range m.ResourcesOf("aws_iam_role") {
			raw := r.Raw("permissions_boundary")
			if !strings.HasPrefix(raw, "var.") {
				out = append(out, fmt.Sprintf("%s: %s must set permissions_boundary = var.permissions_boundary_arn (the deployer creates roles only with the workload boundary)", r.Where(), r.Addr()))
			}
		}
	}
	return out
}
