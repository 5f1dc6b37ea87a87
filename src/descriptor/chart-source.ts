/** Checks of chart sources shared by the descriptor checks (literals) and render (mapped values). */

/**
 * What is wrong with a chart repository URL, if anything. Helm fetches repositories over
 * http(s) only (a `file://` repository fails with "could not find protocol handler"); a chart
 * on disk, a directory or a .tgz, is `chart.path`, relative to the descriptor's directory.
 */
export function chartRepoIssue(repo: string): string | undefined {
  if (/^https?:\/\//i.test(repo)) return undefined;
  const hint = /^oci:\/\//i.test(repo)
    ? "an OCI chart is chart.oci"
    : "a chart on disk is chart.path, relative to the descriptor's directory";
  return `chart.repo ${JSON.stringify(repo)} is not an http(s) URL; helm fetches chart repositories over http(s) only (${hint})`;
}
