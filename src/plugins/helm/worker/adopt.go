package main

import (
	"encoding/json"
	"fmt"
	"strings"

	"helm.sh/helm/v4/pkg/kube"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/cli-runtime/pkg/resource"
)

// Adopting what a chart left behind. Objects of an uninstalled release can come back without
// helm's ownership metadata (kube-controller-manager's ClusterRole aggregation applies the
// rules of an aggregated ClusterRole it still has queued, and a server-side apply creates
// what is gone), and helm then refuses every install of the release again. Helm's own
// --take-ownership adopts whatever exists, another release's objects too; spe adopts only
// objects that carry no owner's metadata at all, and helm's check still refuses the rest.

const (
	adoptIfUnowned             = "ifUnowned"
	managedByLabel             = "app.kubernetes.io/managed-by"
	releaseNameAnnotation      = "meta.helm.sh/release-name"
	releaseNamespaceAnnotation = "meta.helm.sh/release-namespace"
)

// isOwnershipConflict tells helm's refusal of an existing object that lacks this release's
// ownership metadata (pkg/action/validate.go, existingResourceConflict) from other failures.
func isOwnershipConflict(err error) bool {
	return err != nil && strings.Contains(err.Error(), "cannot be imported into the current release")
}

// ownerOf names who an object belongs to by its metadata: a helm release (its annotations),
// another manager (app.kubernetes.io/managed-by other than Helm) or a controller (a
// controller owner reference). Empty: nobody.
func ownerOf(obj metav1.Object) string {
	annotations := obj.GetAnnotations()
	name, named := annotations[releaseNameAnnotation]
	namespace, placed := annotations[releaseNamespaceAnnotation]
	if named || placed {
		return fmt.Sprintf("helm release %s/%s", namespace, name)
	}
	if by := obj.GetLabels()[managedByLabel]; by != "" && by != "Helm" {
		return "managed by " + by
	}
	if ref := metav1.GetControllerOf(obj); ref != nil {
		return fmt.Sprintf("controlled by %s %s", ref.Kind, ref.Name)
	}
	return ""
}

// ownershipPatch is a merge patch that gives an object the release's ownership metadata,
// on the condition that it is still at `resourceVersion` (else the apiserver answers 409).
func ownershipPatch(release, namespace, resourceVersion string) ([]byte, error) {
	return json.Marshal(map[string]any{
		"metadata": map[string]any{
			"resourceVersion": resourceVersion,
			"labels":          map[string]string{managedByLabel: "Helm"},
			"annotations": map[string]string{
				releaseNameAnnotation:      release,
				releaseNamespaceAnnotation: namespace,
			},
		},
	})
}

// adoptUnowned gives each of `resources` that exists and has no owner this release's
// ownership metadata, so that helm's check takes it into the release. Objects of another
// owner are left alone. Returns the objects it adopted ("Kind namespace/name").
func adoptUnowned(resources kube.ResourceList, release, namespace string) ([]string, error) {
	var adopted []string
	err := resources.Visit(func(info *resource.Info, err error) error {
		if err != nil {
			return err
		}
		name, err := adoptOne(info, release, namespace)
		if name != "" {
			adopted = append(adopted, name)
		}
		return err
	})
	return adopted, err
}

func adoptOne(info *resource.Info, release, namespace string) (string, error) {
	if info.Name == "" || info.Mapping == nil {
		return "", nil
	}
	helper := resource.NewHelper(info.Client, info.Mapping).WithFieldManager(kube.ManagedFieldsManager)
	live, err := helper.Get(info.Namespace, info.Name)
	if apierrors.IsNotFound(err) {
		return "", nil
	}
	what := describe(info)
	if err != nil {
		return "", fmt.Errorf("reading %s to adopt it: %w", what, err)
	}
	m, err := meta.Accessor(live)
	if err != nil {
		return "", fmt.Errorf("reading %s to adopt it: %w", what, err)
	}
	if ownerOf(m) != "" {
		return "", nil
	}
	patch, err := ownershipPatch(release, namespace, m.GetResourceVersion())
	if err != nil {
		return "", err
	}
	if _, err := helper.Patch(info.Namespace, info.Name, types.MergePatchType, patch, nil); err != nil {
		return "", fmt.Errorf("adopting %s: %w", what, err)
	}
	return what, nil
}

func describe(info *resource.Info) string {
	if !info.Namespaced() {
		return fmt.Sprintf("%s %s", info.Mapping.GroupVersionKind.Kind, info.Name)
	}
	return fmt.Sprintf("%s %s/%s", info.Mapping.GroupVersionKind.Kind, info.Namespace, info.Name)
}
