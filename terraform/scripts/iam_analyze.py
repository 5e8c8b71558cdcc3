"""IAM analyzer over the rendered IAM policies of every module (run by iam-analyze.sh and the
iam-analyzer check): base's CI, staff and trail roles, and the workload roles the stacks create
(files named <module>_<name>).

cloudsplaining (privilege escalation, resource exposure, data exfiltration, credentials exposure,
infrastructure modification) over each role's combined policy, in its strict mode (every risky
action, whatever its resource or condition); parliament (malformed or mismatched statements) over
every rendered document. Fails when any role can escalate privileges (the deployer, plan and staff
roles above all), and when any other finding has no written reason in
terraform/policy/iam-analyzer-reasons.json.
"""
import json
import sys
from pathlib import Path

import parliament
from cloudsplaining.command.scan_policy_file import scan_policy

NO_ESCALATION = ["deployer", "plan", "staff"]  # named in the summary; every other role is held to it too
CATEGORIES = ["PrivilegeEscalation", "ResourceExposure", "DataExfiltration", "CredentialsExposure",
              "InfrastructureModification", "ServiceWildcard"]


def actions_of(finding):
    if isinstance(finding, dict):
        return finding.get("type") or ",".join(finding.get("actions", []))
    return str(finding)


def main(rendered, reasons_file):
    reasons = json.loads(Path(reasons_file).read_text())
    failed = []
    roles = []
    print("cloudsplaining (strict: every risky action, whatever its resource or condition)")
    for path in sorted(Path(rendered, "roles").glob("*.json")):
        role = path.stem
        roles.append(role)
        results = scan_policy(json.loads(path.read_text()), {}, True, True)
        counts = {c: len(results.get(c, {}).get("findings", [])) for c in CATEGORIES}
        print(f"  {role}: " + ", ".join(f"{c} {n}" for c, n in counts.items()))
        for c in CATEGORIES:
            findings = results.get(c, {}).get("findings", [])
            if not findings:
                continue
            if c == "PrivilegeEscalation":
                failed.append(f"{role}: privilege escalation: {[actions_of(f) for f in findings]}")
                continue
            why = reasons.get("cloudsplaining", {}).get(f"{role}:{c}")
            if not why:
                failed.append(f"{role}: {c} ({len(findings)}) has no reason in {reasons_file}")
                continue
            shown = ", ".join(sorted(actions_of(f) for f in findings))
            print(f"    {c}: {shown[:300]}{' …' if len(shown) > 300 else ''}\n      reason: {why}")
    print("parliament (every rendered document)")
    for path in sorted(Path(rendered, "documents").glob("*.json")):
        doc = path.stem
        policy = parliament.analyze_policy_string(path.read_text())
        issues = sorted({f.issue for f in policy.findings})
        print(f"  {doc}: {len(policy.findings)} findings" + (f" ({', '.join(issues)})" if issues else ""))
        for issue in issues:
            why = reasons.get("parliament", {}).get(f"{doc}:{issue}")
            if not why:
                detail = [str(f.detail)[:160] for f in policy.findings if f.issue == issue][:3]
                failed.append(f"{doc}: parliament {issue} has no reason in {reasons_file}: {detail}")
                continue
            print(f"    {issue}: {why}")
    if failed:
        print("IAM analyzer: FAILED", file=sys.stderr)
        for f in failed:
            print("  " + f, file=sys.stderr)
        return 1
    missing = [r for r in NO_ESCALATION if r not in roles]
    if missing:
        print(f"IAM analyzer: FAILED: no rendered policy for {', '.join(missing)}", file=sys.stderr)
        return 1
    print(f"IAM analyzer: 0 privilege-escalation findings for {', '.join(NO_ESCALATION)} and every other role "
          f"({', '.join(r for r in roles if r not in NO_ESCALATION)}); every other finding has its reason")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
