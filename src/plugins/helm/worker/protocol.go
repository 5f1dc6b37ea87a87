package main

import "encoding/json"

// The wire format between spe (src/plugins/helm/worker-client.ts) and this worker.
// Keep the two in step: every field here has its twin there.

// protocolVersion is the wire format's version, answered to op version (spe's start
// handshake, src/plugins/helm/handshake.ts, refuses a worker speaking another one). Bump it,
// and WORKER_PROTOCOL there, with every change one side must not ignore.
const protocolVersion = 2

const (
	opVersion        = "version"
	opUpgradeInstall = "upgradeInstall"
	opUninstall      = "uninstall"
	opRollback       = "rollback"
	opTemplate       = "template"
	opCancel         = "cancel"
	// opForget drops what the worker keeps for the request's kubeconfig (cluster.go).
	opForget = "forget"
)

type chartRef struct {
	// Path is an absolute path of a local chart (directory or archive).
	Path    string `json:"path,omitempty"`
	Repo    string `json:"repo,omitempty"`
	Name    string `json:"name,omitempty"`
	OCI     string `json:"oci,omitempty"`
	Version string `json:"version,omitempty"`
	// Auth is the basic-auth credentials for the chart's registry or repository, for this
	// request only (never written to disk, never logged; failure messages are redacted).
	Auth *chartAuth `json:"auth,omitempty"`
	// CABundle is PEM certificates trusted for the chart's server besides the system's.
	CABundle string `json:"caBundle,omitempty"`
}

type chartAuth struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

type request struct {
	ID int64  `json:"id"`
	Op string `json:"op"`
	// Protocol is the version spe speaks (op version).
	Protocol int `json:"protocol,omitempty"`
	// Target is the id of the request a cancel is for.
	Target int64 `json:"target,omitempty"`
	// Kubeconfig is the target cluster's kubeconfig (YAML); the worker keeps one client per distinct text.
	Kubeconfig string    `json:"kubeconfig,omitempty"`
	Release    string    `json:"release,omitempty"`
	Namespace  string    `json:"namespace,omitempty"`
	Chart      *chartRef `json:"chart,omitempty"`
	// Values is a JSON document, parsed as `helm --values` parses a file.
	Values          string            `json:"values,omitempty"`
	Labels          map[string]string `json:"labels,omitempty"`
	CreateNamespace bool              `json:"createNamespace,omitempty"`
	// TimeoutSeconds bounds hooks (helm's --timeout); 300 when zero.
	TimeoutSeconds float64 `json:"timeoutSeconds,omitempty"`
	HistoryMax     int     `json:"historyMax,omitempty"`
	// Revision is the revision a rollback goes back to.
	Revision int `json:"revision,omitempty"`
	// Existing is what spe just read of the release for upgradeInstall (existingNone,
	// existingUninstalled, existingLive: any other status); empty: the worker reads it.
	Existing string `json:"existing,omitempty"`
	// Adopt is adoptIfUnowned for an upgradeInstall that takes existing objects without any
	// owner's metadata into the release (adopt.go); empty: helm's check refuses them.
	Adopt string `json:"adopt,omitempty"`
}

const (
	existingNone        = "none"
	existingUninstalled = "uninstalled"
	existingLive        = "live"
)

type releaseInfo struct {
	Name         string `json:"name"`
	Namespace    string `json:"namespace"`
	Revision     int    `json:"revision"`
	Status       string `json:"status"`
	ChartName    string `json:"chartName"`
	ChartVersion string `json:"chartVersion"`
	// Objects is the release's manifest as JSON documents (objects.go).
	Objects []json.RawMessage `json:"objects"`
}

type response struct {
	ID    int64  `json:"id"`
	OK    bool   `json:"ok"`
	Error string `json:"error,omitempty"`
	// Code names the step that failed (errors.go), with Error.
	Code string `json:"code,omitempty"`
	// Version of the Helm SDK the worker is built with (op version).
	Version string `json:"version,omitempty"`
	// Clusters is how many target clusters the worker keeps clients for (op version).
	Clusters *int `json:"clusters,omitempty"`
	// Protocol is the wire format's version this worker speaks (op version).
	Protocol int `json:"protocol,omitempty"`
	// Release after install, upgrade or rollback.
	Release *releaseInfo `json:"release,omitempty"`
	// Objects rendered by template, as JSON documents (hooks excluded: they are not part of
	// the release's objects).
	Objects []json.RawMessage `json:"objects,omitempty"`
	// Applied is the apiserver's answer for each object install, upgrade or rollback applied.
	Applied []appliedObject `json:"applied,omitempty"`
}
