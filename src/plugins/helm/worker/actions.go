package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"runtime/debug"
	"strings"
	"time"

	"helm.sh/helm/v4/pkg/action"
	"helm.sh/helm/v4/pkg/chart/common"
	"helm.sh/helm/v4/pkg/kube"
	ri "helm.sh/helm/v4/pkg/release"
	rcommon "helm.sh/helm/v4/pkg/release/common"
	release "helm.sh/helm/v4/pkg/release/v1"
	"helm.sh/helm/v4/pkg/storage/driver"
)

const defaultTimeout = 300 * time.Second

// handle runs one request; a panic inside the Helm SDK becomes an error response, not a crash.
func (w *worker) handle(ctx context.Context, req *request) (res *response) {
	defer func() {
		if p := recover(); p != nil {
			w.logger.Error("action panicked", "id", req.ID, "op", req.Op, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			res = failure(req, withCode(codeInternal, fmt.Errorf("helm worker: %s panicked: %v", req.Op, p)))
		}
	}()
	switch req.Op {
	case opVersion:
		clusters := w.clusters.len()
		return &response{ID: req.ID, OK: true, Version: helmVersion(), Protocol: protocolVersion, Clusters: &clusters}
	case opForget:
		w.clusters.forget(req.Kubeconfig)
		return &response{ID: req.ID, OK: true}
	case opUpgradeInstall:
		return w.withRelease(ctx, req, false, func(cfg *action.Configuration) (ri.Releaser, error) { return w.upgradeInstall(ctx, cfg, req) })
	case opRollback:
		return w.withRelease(ctx, req, true, func(cfg *action.Configuration) (ri.Releaser, error) { return w.rollback(ctx, cfg, req) })
	case opUninstall:
		if err := w.uninstall(ctx, req); err != nil {
			return failure(req, err)
		}
		return &response{ID: req.ID, OK: true}
	case opTemplate:
		objects, err := w.template(ctx, req)
		if err != nil {
			return failure(req, err)
		}
		return &response{ID: req.ID, OK: true, Objects: objects}
	}
	return failure(req, withCode(codeBadRequest, fmt.Errorf("unknown op %q", req.Op)))
}

// failure answers a failed request with its message and the code of the step that failed:
// by default the operation's own (install or upgrade as spe expects it for upgradeInstall).
// The request's chart credentials never appear in it, whatever a server echoed back.
func failure(req *request, err error) *response {
	return &response{ID: req.ID, OK: false, Error: redact(err.Error(), req), Code: codeOf(err, operationCode(req))}
}

// redact replaces the request's chart password, and its basic-auth encoding, in text.
func redact(text string, req *request) string {
	if req.Chart == nil || req.Chart.Auth == nil || req.Chart.Auth.Password == "" {
		return text
	}
	auth := req.Chart.Auth
	basic := base64.StdEncoding.EncodeToString([]byte(auth.Username + ":" + auth.Password))
	return strings.NewReplacer(basic, "[redacted]", auth.Password, "[redacted]").Replace(text)
}

func operationCode(req *request) string {
	switch req.Op {
	case opUpgradeInstall:
		if req.Existing == existingLive {
			return codeUpgradeFailed
		}
		return codeInstallFailed
	case opRollback:
		return codeRollbackFailed
	case opUninstall:
		return codeUninstallFailed
	case opTemplate:
		return codeRenderFailed
	}
	return codeBadRequest
}

// withRelease runs an action that leaves a release, answering with it and with the objects
// helm applied on the way.
func (w *worker) withRelease(
	ctx context.Context, req *request, bind bool, run func(cfg *action.Configuration) (ri.Releaser, error),
) *response {
	cfg, err := w.configuration(ctx, req, bind)
	if err != nil {
		return failure(req, err)
	}
	rel, err := run(cfg)
	if err != nil {
		return failure(req, err)
	}
	info, err := infoOf(rel)
	if err != nil {
		return failure(req, err)
	}
	res := &response{ID: req.ID, OK: true, Release: info}
	if rec, ok := cfg.KubeClient.(*recordingClient); ok {
		res.Applied = rec.objects()
	}
	return res
}

func infoOf(rel ri.Releaser) (*releaseInfo, error) {
	var r *release.Release
	switch v := rel.(type) {
	case *release.Release:
		r = v
	case release.Release:
		r = &v
	default:
		return nil, fmt.Errorf("unsupported release type %T", rel)
	}
	objects, err := manifestObjects(r.Manifest)
	if err != nil {
		return nil, err
	}
	info := &releaseInfo{Name: r.Name, Namespace: r.Namespace, Revision: r.Version, Objects: objects}
	if r.Info != nil {
		info.Status = string(r.Info.Status)
	}
	if r.Chart != nil && r.Chart.Metadata != nil {
		info.ChartName = r.Chart.Metadata.Name
		info.ChartVersion = r.Chart.Metadata.Version
	}
	return info, nil
}

// helmVersion is the version of the Helm SDK module this binary was built with.
func helmVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, dep := range bi.Deps {
			if dep.Path == "helm.sh/helm/v4" {
				return dep.Version
			}
		}
	}
	return "unknown"
}

// configuration is helm's action configuration for one request: the cluster's shared clients,
// release storage in Secrets of the release namespace (as HELM_DRIVER=secret), fresh capabilities.
// configuration sets helm up for one request. With bind, every request helm makes for it
// ends with ctx (see bound.go), for the actions that take no context.
func (w *worker) configuration(ctx context.Context, req *request, bind bool) (*action.Configuration, error) {
	if req.Namespace == "" {
		return nil, withCode(codeBadRequest, errors.New("request has no namespace"))
	}
	c, err := w.clusters.get(req.Kubeconfig)
	if err != nil {
		return nil, err
	}
	cfg := action.NewConfiguration(action.ConfigurationSetLogger(w.logger.Handler()))
	g := getter{c: c, namespace: req.Namespace}
	if bind {
		g.bind = ctx
	}
	if err := cfg.Init(g, req.Namespace, "secret"); err != nil {
		return nil, err
	}
	if kc, ok := cfg.KubeClient.(*kube.Client); ok {
		kc.Namespace = req.Namespace
		kc.Factory = sharedValidationFactory{Factory: kc.Factory, c: c}
		cfg.KubeClient = newRecordingClient(kc)
	}
	caps, err := c.capabilities(ctx)
	if err != nil {
		return nil, err
	}
	cfg.Capabilities = caps
	return cfg, nil
}

func timeoutOf(req *request) time.Duration {
	if req.TimeoutSeconds <= 0 {
		return defaultTimeout
	}
	return time.Duration(req.TimeoutSeconds * float64(time.Second))
}

func historyMaxOf(req *request) int {
	if req.HistoryMax <= 0 {
		return 10
	}
	return req.HistoryMax
}

func valuesOf(req *request) (common.Values, error) {
	vals, err := common.ReadValues([]byte(req.Values))
	if err != nil {
		return nil, withCode(codeBadRequest, fmt.Errorf("values: %w", err))
	}
	return vals, nil
}

// upgradeInstall is `helm upgrade --install --reset-values --server-side=true
// --force-conflicts --wait=hookOnly`, with the same choice between install and upgrade the
// helm binary makes (pkg/cmd/upgrade.go): install when there is no release or its last
// revision is uninstalled (then replacing it), upgrade otherwise. When spe read the release
// just before (req.Existing) the choice is made from that instead of reading it again; were
// that stale, helm's own checks refuse (a name in use, no release to upgrade) and spe retries.
func (w *worker) upgradeInstall(ctx context.Context, cfg *action.Configuration, req *request) (ri.Releaser, error) {
	vals, err := valuesOf(req)
	if err != nil {
		return nil, err
	}
	existing, err := existingRelease(cfg, req)
	if err != nil {
		return nil, err
	}
	if existing != existingLive {
		return w.adopting(cfg, req, func() (ri.Releaser, error) {
			return w.install(ctx, cfg, req, vals, existing == existingUninstalled)
		})
	}
	return w.adopting(cfg, req, func() (ri.Releaser, error) { return w.upgrade(ctx, cfg, req, vals) })
}

// adopting runs an install or upgrade. When helm refuses an existing object for want of this
// release's ownership metadata and the request adopts unowned objects (adopt.go), those
// among the objects helm checked are adopted and the action runs once more; helm's check
// still refuses objects of another owner, naming them.
func (w *worker) adopting(cfg *action.Configuration, req *request, run func() (ri.Releaser, error)) (ri.Releaser, error) {
	rel, err := run()
	rec, ok := cfg.KubeClient.(*recordingClient)
	if req.Adopt != adoptIfUnowned || !ok || !isOwnershipConflict(err) {
		return rel, err
	}
	adopted, adoptErr := adoptUnowned(rec.lastBuilt(), req.Release, req.Namespace)
	if adoptErr != nil {
		return nil, errors.Join(err, adoptErr)
	}
	if len(adopted) == 0 {
		return rel, err
	}
	w.logger.Info("adopted objects that had no owner", "release", req.Release, "namespace", req.Namespace, "objects", adopted)
	return run()
}

func (w *worker) upgrade(ctx context.Context, cfg *action.Configuration, req *request, vals common.Values) (ri.Releaser, error) {
	up := action.NewUpgrade(cfg)
	up.Namespace = req.Namespace
	up.Timeout = timeoutOf(req)
	up.WaitStrategy = kube.HookOnlyStrategy
	up.ServerSideApply = "true"
	up.ForceConflicts = true
	up.ResetValues = true
	up.MaxHistory = historyMaxOf(req)
	up.Labels = req.Labels
	ch, err := w.charts.load(req.Chart, &up.ChartPathOptions, up.SetRegistryClient)
	if err != nil {
		return nil, err
	}
	rel, err := up.RunWithContext(ctx, req.Release, ch, vals)
	if err != nil {
		return nil, withCode(codeUpgradeFailed, fmt.Errorf("UPGRADE FAILED: %w", err))
	}
	return rel, nil
}

func (w *worker) install(
	ctx context.Context, cfg *action.Configuration, req *request, vals common.Values, replace bool,
) (ri.Releaser, error) {
	inst := action.NewInstall(cfg)
	inst.ReleaseName = req.Release
	inst.Namespace = req.Namespace
	inst.CreateNamespace = req.CreateNamespace
	inst.Timeout = timeoutOf(req)
	inst.WaitStrategy = kube.HookOnlyStrategy
	inst.ServerSideApply = true
	inst.ForceConflicts = true
	inst.Labels = req.Labels
	inst.Replace = replace
	ch, err := w.charts.load(req.Chart, &inst.ChartPathOptions, inst.SetRegistryClient)
	if err != nil {
		return nil, err
	}
	rel, err := inst.RunWithContext(ctx, ch, vals)
	if err != nil {
		return nil, withCode(codeInstallFailed, fmt.Errorf("INSTALLATION FAILED: %w", err))
	}
	return rel, nil
}

// existingRelease is what the latest revision of the release is, for the install-or-upgrade choice.
func existingRelease(cfg *action.Configuration, req *request) (string, error) {
	switch req.Existing {
	case existingNone, existingUninstalled, existingLive:
		return req.Existing, nil
	case "":
	default:
		return "", withCode(codeBadRequest, fmt.Errorf("request: unknown existing %q", req.Existing))
	}
	hist := action.NewHistory(cfg)
	hist.Max = 1
	versions, err := hist.Run(req.Release)
	if errors.Is(err, driver.ErrReleaseNotFound) {
		return existingNone, nil
	}
	if err != nil {
		return "", err
	}
	if lastUninstalled(versions) {
		return existingUninstalled, nil
	}
	return existingLive, nil
}

func lastUninstalled(versions []ri.Releaser) bool {
	if len(versions) == 0 {
		return false
	}
	last, err := infoOf(versions[len(versions)-1])
	return err == nil && last.Status == string(rcommon.StatusUninstalled)
}

// uninstall is `helm uninstall --ignore-not-found` (no waiting, background deletion).
func (w *worker) uninstall(ctx context.Context, req *request) error {
	cfg, err := w.configuration(ctx, req, true)
	if err != nil {
		return err
	}
	un := action.NewUninstall(cfg)
	un.IgnoreNotFound = true
	un.WaitStrategy = kube.HookOnlyStrategy
	un.DeletionPropagation = "background"
	un.Timeout = timeoutOf(req)
	return runBound(ctx, "uninstall of "+req.Release, func() error {
		_, err := un.Run(req.Release)
		return err
	})
}

// rollback is `helm rollback <release> <revision> --server-side=true --force-conflicts --wait=hookOnly`.
func (w *worker) rollback(ctx context.Context, cfg *action.Configuration, req *request) (ri.Releaser, error) {
	rb := action.NewRollback(cfg)
	rb.Version = req.Revision
	rb.Timeout = timeoutOf(req)
	rb.WaitStrategy = kube.HookOnlyStrategy
	rb.ServerSideApply = "true"
	rb.ForceConflicts = true
	rb.MaxHistory = historyMaxOf(req)
	if err := runBound(ctx, "rollback of "+req.Release, func() error { return rb.Run(req.Release) }); err != nil {
		return nil, err
	}
	get := action.NewGet(cfg)
	return get.Run(req.Release)
}

// template is `helm template`: client-side only, default capabilities, no cluster contact.
func (w *worker) template(ctx context.Context, req *request) ([]json.RawMessage, error) {
	cfg := action.NewConfiguration(action.ConfigurationSetLogger(w.logger.Handler()))
	vals, err := valuesOf(req)
	if err != nil {
		return nil, err
	}
	inst := action.NewInstall(cfg)
	inst.DryRunStrategy = action.DryRunClient
	inst.ReleaseName = req.Release
	inst.Namespace = req.Namespace
	inst.Replace = true
	ch, err := w.charts.load(req.Chart, &inst.ChartPathOptions, inst.SetRegistryClient)
	if err != nil {
		return nil, err
	}
	rel, err := inst.RunWithContext(ctx, ch, vals)
	if err != nil {
		return nil, err
	}
	info, err := infoOf(rel)
	if err != nil {
		return nil, err
	}
	return info.Objects, nil
}
