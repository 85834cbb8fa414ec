// The evaluation report (评标报告) PDF as a download, from the agent's and the supervisor's pages.
import { downloadAuthed } from "@/opening/transfer";

export function downloadEvaluationReport(sessionId: string, lotCode: string | undefined) {
  return downloadAuthed(`/api/evaluations/${encodeURIComponent(sessionId)}/report.pdf`, `评标报告-${lotCode ?? sessionId}.pdf`);
}
