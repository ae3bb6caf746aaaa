{{/* Names */}}
{{- define "benchfarm.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "benchfarm.fullname" -}}
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

{{/* Labels: common, and the selector subset; call with (dict "ctx" $ "component" "generate") */}}
{{- define "benchfarm.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .ctx.Chart.Name .ctx.Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "benchfarm.selectorLabels" . }}
app.kubernetes.io/version: {{ .ctx.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .ctx.Release.Service }}
app.kubernetes.io/part-of: benchfarm
{{- end }}

{{- define "benchfarm.selectorLabels" -}}
app.kubernetes.io/name: {{ include "benchfarm.name" .ctx }}
app.kubernetes.io/instance: {{ .ctx.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "benchfarm.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "benchfarm.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "benchfarm.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{/* Redis: names and the checks that need more than the schema */}}
{{- define "benchfarm.redis.fullname" -}}
{{- printf "%s-redis" (include "benchfarm.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "benchfarm.redis.secretName" -}}
{{- default (include "benchfarm.redis.fullname" .) .Values.redis.auth.existingSecret }}
{{- end }}

{{- define "benchfarm.redis.check" -}}
{{- if not .Values.redis.enabled }}
{{- with .Values.redis.external }}
{{- if and (not .url) (not .existingSecret) }}
{{- fail "redis.enabled=false needs redis.external.url or redis.external.existingSecret (a Secret holding the URL)" }}
{{- end }}
{{- if and .url .existingSecret }}
{{- fail "set only one of redis.external.url and redis.external.existingSecret" }}
{{- end }}
{{- end }}
{{- end }}
{{- end }}

{{/*
A password that stays the same across upgrades: the one already in the cluster's Secret if there
is one, else a new random one. (`helm template` has no cluster, so it always draws a new one.)
Call with (dict "ctx" $ "name" SECRET "key" KEY).
*/}}
{{- define "benchfarm.stablePassword" -}}
{{- $existing := lookup "v1" "Secret" .ctx.Release.Namespace .name }}
{{- if and $existing $existing.data (hasKey $existing.data .key) }}
{{- index $existing.data .key | b64dec }}
{{- else }}
{{- randAlphaNum 32 }}
{{- end }}
{{- end }}

{{/*
The environment every farm container gets: broker, store, metrics, extra env. API keys come in
separately, through envFrom on apiKeys.existingSecret, so they are never spelled out here.
*/}}
{{- define "benchfarm.farmEnv" -}}
{{- include "benchfarm.redisUrlEnv" . }}
- name: FARM_STORE
  value: {{ .Values.store.url | quote }}
{{- with .Values.store.s3.endpoint }}
- name: FARM_S3_ENDPOINT
  value: {{ . | quote }}
{{- end }}
- name: AWS_DEFAULT_REGION
  value: {{ .Values.store.s3.region | quote }}
{{- with .Values.store.s3.existingSecret }}
- name: AWS_ACCESS_KEY_ID
  valueFrom:
    secretKeyRef:
      name: {{ . }}
      key: {{ $.Values.store.s3.accessKeyIdKey }}
- name: AWS_SECRET_ACCESS_KEY
  valueFrom:
    secretKeyRef:
      name: {{ . }}
      key: {{ $.Values.store.s3.secretAccessKeyKey }}
{{- end }}
- name: FARM_METRICS_PORT
  value: {{ .Values.metrics.port | quote }}
{{- range .Values.extraEnv }}
{{- if and (hasKey . "value") (regexMatch "(?i)(key|secret|passw|token|credential)" .name) }}
{{- fail (printf "extraEnv %s: keys, tokens and passwords never go in values; use valueFrom.secretKeyRef (or apiKeys.existingSecret for model API keys)" .name) }}
{{- end }}
{{- end }}
{{- with .Values.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* FARM_REDIS_URL, from the bundled Redis' Secret or the external settings */}}
{{- define "benchfarm.redisUrlEnv" -}}
{{- include "benchfarm.redis.check" . }}
{{- if .Values.redis.enabled }}
- name: REDIS_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ include "benchfarm.redis.secretName" . }}
      key: {{ .Values.redis.auth.passwordKey }}
- name: FARM_REDIS_URL
  value: "redis://:$(REDIS_PASSWORD)@{{ include "benchfarm.redis.fullname" . }}:6379/0"
{{- else if .Values.redis.external.existingSecret }}
- name: FARM_REDIS_URL
  valueFrom:
    secretKeyRef:
      name: {{ .Values.redis.external.existingSecret }}
      key: {{ .Values.redis.external.urlKey }}
{{- else }}
- name: FARM_REDIS_URL
  value: {{ .Values.redis.external.url | quote }}
{{- end }}
{{- end }}

{{- define "benchfarm.podCommon" -}}
serviceAccountName: {{ include "benchfarm.serviceAccountName" . }}
automountServiceAccountToken: false
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}

{{/*
The runtime workers' sandbox (values.yaml, runtime): root, to lease uids for the generated code;
the capabilities that takes; NET_ADMIN beside SYS_ADMIN (a namespace's `lo` must come up).
*/}}
{{- define "benchfarm.runtime.check" -}}
{{- if .Values.runtime.podSecurityContext.runAsNonRoot }}
{{- fail "runtime.podSecurityContext.runAsNonRoot: runtime workers run as root, so that the generated code runs as a uid of its own (values.yaml, runtime)" }}
{{- end }}
{{- with .Values.runtime.securityContext }}
{{- $caps := .capabilities | default dict }}
{{- $add := $caps.add | default list }}
{{- /* Container runtimes grant these by default, unless dropped. */}}
{{- $needed := ternary (list "CHOWN" "DAC_OVERRIDE" "FOWNER" "KILL" "SETGID" "SETUID") (list) (has "ALL" ($caps.drop | default list)) }}
{{- if not .privileged }}
{{- range $need := $needed }}
{{- if not (has $need $add) }}
{{- fail (printf "runtime.securityContext.capabilities.add needs %s: the sandbox leases uids for the generated code (values.yaml, runtime)" $need) }}
{{- end }}
{{- end }}
{{- end }}
{{- if and (has "SYS_ADMIN" $add) (not (has "NET_ADMIN" $add)) }}
{{- fail "runtime.securityContext.capabilities.add: SYS_ADMIN needs NET_ADMIN too, to bring up the sandbox network's lo" }}
{{- end }}
{{- end }}
{{- end }}
