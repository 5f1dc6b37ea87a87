package main

import (
	"errors"
	"fmt"

	"helm.sh/helm/v4/pkg/action"
	ci "helm.sh/helm/v4/pkg/chart"
	"helm.sh/helm/v4/pkg/chart/loader"
	"helm.sh/helm/v4/pkg/cli"
	"helm.sh/helm/v4/pkg/registry"
)

// chartLocator finds and loads charts as the helm binary does (local paths, repositories by
// URL, OCI references), with helm's own cache folders from HELM_CACHE_HOME and friends. A
// remote chart is fetched with the request's own credentials and CA bundle (source.go),
// else with what helm's registry and repository configuration hold.
type chartLocator struct {
	settings *cli.EnvSettings

	// One download at a time per chart reference: two releases of one new chart must not
	// both write the same file in the repository cache.
	downloads *keyLocks
}

func newChartLocator() *chartLocator {
	return &chartLocator{settings: cli.New(), downloads: newKeyLocks()}
}

// options fills helm's chart path options for a reference: what `<chart> --repo --version` sets.
func (l *chartLocator) options(ref *chartRef, opts *action.ChartPathOptions) (string, error) {
	opts.Version = ref.Version
	switch {
	case ref.Path != "":
		return ref.Path, nil
	case ref.OCI != "":
		return ref.OCI, nil
	case ref.Repo != "" && ref.Name != "":
		opts.RepoURL = ref.Repo
		return ref.Name, nil
	}
	return "", errors.New("chart reference names neither path, oci nor repo+name")
}

// load locates the chart (downloading it when it is remote) and loads it afresh: a loaded
// chart is changed by the action that uses it (dependencies are pruned), so none is shared.
func (l *chartLocator) load(
	ref *chartRef, opts *action.ChartPathOptions, setRegistry func(*registry.Client),
) (ci.Charter, error) {
	if ref == nil {
		return nil, withCode(codeBadRequest, errors.New("request has no chart"))
	}
	name, err := l.options(ref, opts)
	if err != nil {
		return nil, withCode(codeBadRequest, err)
	}
	path, err := l.locate(ref, name, opts, setRegistry)
	if err != nil {
		return nil, err
	}
	ch, err := loader.Load(path)
	if err != nil {
		return nil, err
	}
	return ch, checkChart(ch)
}

// locate is `LocateChart`: a local path as it is, a remote chart through the request's source.
func (l *chartLocator) locate(
	ref *chartRef, name string, opts *action.ChartPathOptions, setRegistry func(*registry.Client),
) (string, error) {
	if ref.Path != "" {
		path, err := opts.LocateChart(name, l.settings)
		return path, withCode(codeChartNotFound, err)
	}
	src, err := newChartSource(ref, l.settings.RegistryConfig)
	if err != nil {
		return "", err
	}
	defer src.close()
	setRegistry(src.registry)
	opts.Username, opts.Password = src.credentials()
	opts.CaFile = src.caFile
	unlock := l.downloads.lock(name + "\x00" + ref.Repo + "\x00" + ref.Version)
	path, err := opts.LocateChart(name, l.settings)
	unlock()
	if err != nil {
		return "", src.classify(ref, err)
	}
	return path, nil
}

// checkChart refuses what `helm install` refuses before it contacts the cluster.
func checkChart(ch ci.Charter) error {
	ac, err := ci.NewAccessor(ch)
	if err != nil {
		return err
	}
	switch t := ac.MetadataAsMap()["Type"]; t {
	case "", "application", nil:
	default:
		return fmt.Errorf("%v charts are not installable", t)
	}
	if req := ac.MetaDependencies(); len(req) > 0 {
		if err := action.CheckDependencies(ch, req); err != nil {
			return fmt.Errorf("an error occurred while checking for chart dependencies. You may need to run 'helm dependency build' to fetch missing dependencies: %w", err)
		}
	}
	return nil
}
