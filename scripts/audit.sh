#!/usr/bin/env bash
# `npm run audit`: fails on high or critical advisories in the production dependencies (the ones
# bundled into dist/). `npm audit` exits 1 both when it finds advisories and when the advisory
# service cannot be asked, so its JSON report tells the two apart:
#   exit 0  no high or critical advisory (lower ones are listed);
#   exit 1  high or critical advisories, or the service unreachable on GitHub Actions, where it
#           always is reachable, so an unanswered audit there is a failure, not a pass;
#   exit 0  with a warning when the service is unreachable anywhere else (an offline laptop, or a
#           registry mirror without the audit endpoint).
set -uo pipefail
cd "$(dirname "$0")/.."

report=$(npm audit --omit=dev --json 2>/dev/null)

# Prints one verdict line: "clean <summary>", "vulnerable <summary>" or "unreachable <reason>".
verdict=$(printf '%s' "$report" | node -e '
let text = "";
process.stdin.on("data", (chunk) => (text += chunk));
process.stdin.on("end", () => {
  let report;
  try {
    report = JSON.parse(text);
  } catch {
    console.log("unreachable npm audit printed no JSON report");
    return;
  }
  const counts = report?.metadata?.vulnerabilities;
  if (!counts || typeof counts !== "object") {
    const status = report?.statusCode ? `HTTP ${report.statusCode}: ` : "";
    const reason = report?.message || report?.error?.summary || report?.error?.code || "no advisory data";
    console.log(`unreachable ${status}${String(reason).split("\n")[0]}`);
    return;
  }
  const levels = ["critical", "high", "moderate", "low", "info"];
  const summary = levels.map((level) => `${counts[level] ?? 0} ${level}`).join(", ");
  const serious = (counts.critical ?? 0) + (counts.high ?? 0);
  console.log(`${serious > 0 ? "vulnerable" : "clean"} ${summary}`);
});
')

kind=${verdict%% *}
detail=${verdict#* }

case "$kind" in
  clean)
    echo "npm audit (production dependencies): no high or critical advisories ($detail)."
    exit 0
    ;;
  vulnerable)
    echo "npm audit (production dependencies): $detail." >&2
    # The readable report, with the advisories and the fixes npm suggests.
    npm audit --omit=dev --audit-level=high >&2
    exit 1
    ;;
  *)
    message="npm audit could not reach the advisory service ($detail); production dependencies were NOT checked."
    if [ "${GITHUB_ACTIONS:-}" = "true" ]; then
      echo "::error title=npm audit::$message"
      exit 1
    fi
    echo "warning: $message" >&2
    echo "warning: run it again where the registry's audit endpoint answers; on GitHub Actions this fails the job." >&2
    exit 0
    ;;
esac
