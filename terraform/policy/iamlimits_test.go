package policy

import (
	"strings"
	"testing"

	"github.com/zclconf/go-cty/cty"
)

// edit is one change to a file of the real tree (brokenModule, brokenTree): old (which must be
// found) becomes new, n times (-1: every occurrence).
type edit struct {
	file, old, new string
	n              int
}

// without disables a Deny statement of deployer.tf (it then matches no action).
func without(sid string) edit {
	return edit{"deployer.tf", `sid    = "` + sid + `"` + "\n    effect = \"Deny\"", `sid    = "` + sid + `"` + "\n    effect = \"Deny\"\n    not_actions = [\"*\"]", 1}
}

const boundaryCondition = `
    condition {
      test     = "ArnEquals"
      variable = "iam:PermissionsBoundary"
      values   = [local.boundary_policy_arn]
    }
`

const passedToCondition = `
    condition {
      test     = "StringEquals"
      variable = "iam:PassedToService"
      values   = local.passed_to_services
    }
`

// brokenBase is a broken variant of the real modules/base, so each finding of the threat model
// is shown to fail the check.
func brokenBase(t *testing.T, edits []edit) *Tree {
	t.Helper()
	return brokenModule(t, "base", edits)
}

// Each finding of the threat model (issue 16) fails CheckCIRoles on a broken variant of the real
// base module, with a message naming the request that got through.
func TestCIRolesFailOnEachBrokenVariant(t *testing.T) {
	cases := []struct {
		name  string
		edits []edit
		want  string
	}{
		{"1: the deployer writes its own policy", []edit{without("DenyWritesToAccountRoles"), {"deployer.tf", boundaryCondition, "\n", -1}},
			"the deployer role may iam:PutRolePolicy on arn:aws:iam::111122223333:role/eventmall/eventmall-prod-ci-deployer with map[]"},
		{"1: the deployer edits its own trust", []edit{without("DenyWritesToAccountRoles"), {"deployer.tf", boundaryCondition, "\n", -1}},
			"the deployer role may iam:UpdateAssumeRolePolicy on arn:aws:iam::111122223333:role/eventmall/eventmall-prod-ci-deployer"},
		{"1: roles created without the boundary", []edit{{"deployer.tf", boundaryCondition, "\n", -1}},
			"may iam:CreateRole on arn:aws:iam::111122223333:role/eventmall/eventmall-prod-task-x with map[]"},
		{"1: the boundary itself editable", []edit{without("DenyChangingTheBoundary"), {"deployer.tf", `"iam:GetPolicyVersion"`, `"iam:GetPolicyVersion", "iam:CreatePolicyVersion"`, 1}},
			"may iam:CreatePolicyVersion on arn:aws:iam::111122223333:policy/eventmall/eventmall-prod-workload-boundary"},
		{"1: PassRole to any service", []edit{{"deployer.tf", passedToCondition, "\n", 1}},
			"may iam:PassRole on arn:aws:iam::111122223333:role/eventmall/eventmall-prod-task-x with map[iam:PassedToService:[lambda.amazonaws.com]]"},
		{"1: account roles passable", []edit{without("DenyWritesToAccountRoles"), {"deployer.tf", `role/eventmall/${local.prefix}-*"`, `role/eventmall/${local.prefix}*"`, 1}},
			"the deployer role may iam:PassRole on arn:aws:iam::111122223333:role/eventmall/eventmall-prod-ci-deployer with map[iam:PassedToService:[ec2.amazonaws.com]]"},
		{"3: trail bucket in reach", []edit{without("DenyTouchingTheAuditTrail"), {"main.tf", "bucket              = var.trail_bucket_name", `bucket              = "${var.name}-cloudtrail"`, 1}},
			"may s3:DeleteObjectVersion on arn:aws:s3:::eventmall-prod-cloudtrail/AWSLogs"},
		{"3: trail log group in reach", []edit{without("DenyTouchingTheTrailLogs"), {"main.tf", `name              = "/audit/${var.name}/cloudtrail"`, `name              = "/eventmall/${var.name}/cloudtrail"`, 1}},
			"may logs:DeleteLogGroup on arn:aws:logs:ap-northeast-2:111122223333:log-group:/eventmall/eventmall-prod/cloudtrail"},
		{"3: security alarms in reach", []edit{without("DenySilencingSecurityAlarms"), {"main.tf", `alarm_prefix = "audit-${var.name}-"`, `alarm_prefix = "${var.name}-"`, 1}},
			"may cloudwatch:DeleteAlarms on arn:aws:cloudwatch:ap-northeast-2:111122223333:alarm:eventmall-prod-root-usage"},
		{"3: the trail stopped", []edit{without("DenyStoppingTheTrail"), {"deployer.tf", `"logs:DescribeLogGroups"`, `"logs:DescribeLogGroups", "cloudtrail:StopLogging"`, 1}},
			"may cloudtrail:StopLogging on arn:aws:cloudtrail:ap-northeast-2:111122223333:trail/eventmall-prod"},
		{"4: data tier region-wide (today's shape)", []edit{{"deployer.tf", "data \"aws_iam_policy_document\" \"deployer\" {\n", `data "aws_iam_policy_document" "deployer" {
  statement {
    sid       = "DataTier"
    actions   = ["rds:DeleteDBCluster", "elasticache:DeleteCacheCluster"]
    resources = ["*"]

    condition {
      test     = "StringEquals"
      variable = "aws:RequestedRegion"
      values   = [local.region]
    }
  }
`, 1}},
			"may rds:DeleteDBCluster on arn:aws:rds:ap-northeast-2:111122223333:cluster:other-db"},
		{"4: name prefix without delimiter", []edit{{"deployer.tf", `repository/${local.prefix}-*"]`, `repository/${local.prefix}*"]`, 1}},
			"may ecr:DeleteRepository on arn:aws:ecr:ap-northeast-2:111122223333:repository/eventmall-prod2"},
		{"4: every hosted zone", []edit{{"deployer.tf", `      resources = ["arn:${local.partition}:route53:::hostedzone/${statement.value}"]`, `      resources = ["arn:${local.partition}:route53:::hostedzone/*"]`, 1}},
			"may route53:ChangeResourceRecordSets on arn:aws:route53:::hostedzone/ZFOREIGN"},
		{"4: foreign resources re-tagged into scope", []edit{without("DenyEventTagChangesOnOthers"), {"deployer.tf", `"ec2:CreateRoute",
      "ec2:CreateTags",`, `"ec2:CreateRoute",`, 1}, {"deployer.tf", `"ec2:GetManagedPrefixListEntries",`, `"ec2:GetManagedPrefixListEntries", "ec2:CreateTags",`, 1}},
			"may ec2:CreateTags on arn:aws:ec2:ap-northeast-2:111122223333:instance/i-0foreign"},
		{"2: the deployer trusts pull requests", []edit{{"iam.tf", `github = { test = "StringEquals", subjects = var.github_subjects, extra = {} }`, `github = { test = "StringEquals", subjects = concat(var.github_subjects, var.github_plan_subjects), extra = {} }`, 1}},
			"the deployer role's trust admits map[token.actions.githubusercontent.com:aud:[sts.amazonaws.com] token.actions.githubusercontent.com:sub:[repo:acme/eventmall:pull_request]]"},
		{"2: the deployer trusts every GitLab branch", []edit{{"iam.tf", `gitlab = { test = "StringEquals", subjects = var.gitlab_subjects, extra = {} }`, `gitlab = { test = "StringLike", subjects = var.gitlab_plan_subjects, extra = {} }`, 1}},
			"gitlab.com:sub:[project_path:acme/eventmall:ref_type:branch:ref:feature-x]"},
		{"2: CircleCI deploys without the deploy context", []edit{{"iam.tf", `          "${local.circleci_host}:oidc.circleci.com/context-ids" = var.circleci_deploy_context_ids` + "\n", "", 1}},
			"CircleCI's plan context (every branch) (finding 2)"},
		{"2: CircleCI deploys from any branch", []edit{{"iam.tf", `          "${local.circleci_host}:oidc.circleci.com/vcs-ref"     = ["refs/heads/main"]` + "\n", "", 1}},
			"oidc.circleci.com/vcs-ref:[refs/heads/feature-x]"},
		{"2: plan role takes the state lock", []edit{{"iam.tf", `      actions   = ["dynamodb:DescribeTable", "dynamodb:GetItem", "dynamodb:Scan"]`, `      actions   = ["dynamodb:DescribeTable", "dynamodb:GetItem", "dynamodb:Scan", "dynamodb:PutItem"]`, 1}},
			"the plan role may dynamodb:PutItem"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			findings := CheckCIRoles(brokenBase(t, c.edits))
			for _, f := range findings {
				if strings.Contains(f, c.want) {
					return
				}
			}
			t.Fatalf("no finding contains %q; got %d:\n  %s", c.want, len(findings), strings.Join(findings, "\n  "))
		})
	}
}

// The evaluator itself: deny wins, wildcards, negated and IfExists operators on absent keys.
func TestEvaluateSemantics(t *testing.T) {
	doc := &PolicyDocument{Statement: []Statement{
		{Sid: "A", Effect: "Allow", Action: []string{"s3:Get*"}, Resource: []string{"arn:aws:s3:::b-*"}},
		{Sid: "D", Effect: "Deny", Action: []string{"s3:GetObject"}, Resource: []string{"arn:aws:s3:::b-secret/*"}},
		{Sid: "T", Effect: "Allow", Action: []string{"ec2:TerminateInstances"}, Resource: []string{"*"},
			Condition: map[string]map[string][]string{"StringEquals": {"aws:ResourceTag/Project": {"p"}}}},
		{Sid: "N", Effect: "Deny", Action: []string{"ec2:TerminateInstances"}, Resource: []string{"*"},
			Condition: map[string]map[string][]string{"StringNotEquals": {"aws:RequestedRegion": {"eu-west-1"}}}},
	}}
	cases := []struct {
		req  Request
		want Decision
	}{
		{Request{"s3:GetObject", "arn:aws:s3:::b-site/x", nil}, Allowed},
		{Request{"S3:getobject", "arn:aws:s3:::b-site/x", nil}, Allowed},
		{Request{"s3:GetObject", "arn:aws:s3:::b-secret/x", nil}, ExplicitDeny},
		{Request{"s3:PutObject", "arn:aws:s3:::b-site/x", nil}, ImplicitDeny},
		{Request{"s3:GetObject", "arn:aws:s3:::c-site/x", nil}, ImplicitDeny},
		{Request{"ec2:TerminateInstances", "arn:aws:ec2:eu-west-1:1:instance/i", map[string][]string{"aws:ResourceTag/Project": {"p"}, "aws:RequestedRegion": {"eu-west-1"}}}, Allowed},
		{Request{"ec2:TerminateInstances", "arn:aws:ec2:eu-west-1:1:instance/i", map[string][]string{"aws:RequestedRegion": {"eu-west-1"}}}, ImplicitDeny},
		// a negated operator matches an absent key: the deny applies
		{Request{"ec2:TerminateInstances", "arn:aws:ec2:eu-west-1:1:instance/i", map[string][]string{"aws:ResourceTag/Project": {"p"}}}, ExplicitDeny},
	}
	for _, c := range cases {
		if got, _ := Evaluate([]*PolicyDocument{doc}, c.req); got != c.want {
			t.Errorf("%s on %s with %v: got %s, want %s", c.req.Action, c.req.Resource, c.req.Context, got, c.want)
		}
	}
}

// The DynamoDB lock table is optional (state locks are S3 objects, use_lockfile): without one,
// no role of base is granted any DynamoDB action, none names an empty table, and the deploy
// still takes and releases its S3 state locks.
func TestBaseWithoutLockTable(t *testing.T) {
	tree := load(t, realTree)
	env := BaseEnv
	env.Vars = map[string]cty.Value{}
	for k, v := range BaseEnv.Vars {
		env.Vars[k] = v
	}
	env.Vars["lock_table_name"] = cty.StringVal("")
	r := Render(tree.Modules["base"], env)
	for name, err := range r.Errors {
		t.Errorf("data.aws_iam_policy_document.%s cannot be rendered without a lock table: %v", name, err)
	}
	for _, role := range []string{"deployer", "plan"} {
		docs, _, err := r.RolePolicies(role)
		if err != nil {
			t.Fatalf("policies of %s: %v", role, err)
		}
		for _, d := range docs {
			for _, s := range d.Statement {
				for _, a := range s.Action {
					if strings.HasPrefix(a, "dynamodb:") {
						t.Errorf("%s: statement %q grants %s without a lock table", role, s.Sid, a)
					}
				}
				for _, res := range s.Resource {
					if strings.HasSuffix(res, ":table/") {
						t.Errorf("%s: statement %q names an empty table: %s", role, s.Sid, res)
					}
				}
			}
		}
	}
	deployer, _, _ := r.RolePolicies("deployer")
	for _, action := range []string{"s3:PutObject", "s3:DeleteObject"} {
		req := Request{action, "arn:aws:s3:::acme-tfstate/prod/service.tfstate.tflock", nil}
		if d, _ := Evaluate(deployer, req); d != Allowed {
			t.Errorf("without a lock table the deployer still needs %s on its S3 lock file; it is %s", action, d)
		}
	}
	// The deploy-wide lock is then an S3 object next to the state (.dagger/deploylock's ObjectKey).
	for _, action := range []string{"s3:GetObject", "s3:PutObject", "s3:DeleteObject"} {
		req := Request{action, "arn:aws:s3:::acme-tfstate/prod/eventmall-deploy.lock", nil}
		if d, _ := Evaluate(deployer, req); d != Allowed {
			t.Errorf("without a lock table the deployer needs %s on the deploy lock object; it is %s", action, d)
		}
		other := Request{action, "arn:aws:s3:::acme-tfstate/staging/eventmall-deploy.lock", nil}
		if d, _ := Evaluate(deployer, other); d == Allowed && action != "s3:GetObject" {
			t.Errorf("the deployer may %s another environment's deploy lock", action)
		}
	}
}
