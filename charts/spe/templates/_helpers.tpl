{{/* The chart's name, shortened to the 63 characters of a label value. */}}
{{- define "spe.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The name of every object of the release; the release name alone when it already holds the chart's name. */}}
{{- define "spe.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* Cluster-scoped names (ClusterRoles, ClusterRoleBindings) carry the namespace: two releases must not collide. */}}
{{- define "spe.clusterName" -}}
{{- printf "%s-%s" .Release.Namespace (include "spe.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "spe.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "spe.selectorLabels" -}}
app.kubernetes.io/name: {{ include "spe.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "spe.labels" -}}
helm.sh/chart: {{ include "spe.chart" . }}
{{ include "spe.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/component: operator
app.kubernetes.io/part-of: spe
{{- end }}

{{- define "spe.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "spe.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "spe.image" -}}
{{- $tag := default .Chart.AppVersion .Values.image.tag }}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository $tag }}
{{- end }}
{{- end }}

{{/* Leader election: on when asked for, and always with more than one replica. */}}
{{- define "spe.leaderElect" -}}
{{- if or .Values.leaderElection.enabled (gt (int .Values.replicas) 1) }}true{{ end }}
{{- end }}

{{/* The onboarding cluster is this cluster unless a kubeconfig Secret names another. */}}
{{- define "spe.onboardingSameCluster" -}}
{{- if not .Values.onboarding.kubeconfigSecret.name }}true{{ end }}
{{- end }}

{{/*
The API groups the descriptors serve: rbac.apiGroups plus spec.api.group of
every descriptor given in .Values.descriptors. A sorted, de-duplicated list, as YAML.
*/}}
{{- define "spe.apiGroups" -}}
{{- $groups := list }}
{{- range .Values.rbac.apiGroups }}
{{- $groups = append $groups . }}
{{- end }}
{{- range $name, $d := .Values.descriptors }}
{{- $text := $d }}
{{- if kindIs "map" $d }}
{{- $text = get $d "descriptor.yaml" }}
{{- end }}
{{- $doc := fromYaml (toString $text) }}
{{- $group := dig "spec" "api" "group" "" $doc }}
{{- if $group }}
{{- $groups = append $groups $group }}
{{- end }}
{{- end }}
{{- toYaml (dict "groups" ($groups | uniq | sortAlpha)) }}
{{- end }}

{{/* "true" when AccessRequests must be readable: asked for, or a descriptor in values uses openMCP access. */}}
{{- define "spe.accessRequests" -}}
{{- $on := .Values.rbac.accessRequests }}
{{- range $name, $d := .Values.descriptors }}
{{- $text := $d }}
{{- if kindIs "map" $d }}
{{- $text = get $d "descriptor.yaml" }}
{{- end }}
{{- $doc := fromYaml (toString $text) }}
{{- if hasKey (dig "spec" "target" "access" (dict) $doc) "openmcp" }}
{{- $on = true }}
{{- end }}
{{- end }}
{{- if $on }}true{{ end }}
{{- end }}
