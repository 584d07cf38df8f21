{{/* Labels every object of the chart carries, as in config/default. */}}
{{- define "spo.labels" -}}
app.kubernetes.io/part-of: security-profiles-operator
{{- end }}

{{/* Labels of the manager Deployment and its pods. */}}
{{- define "spo.selectorLabels" -}}
app: security-profiles-operator
name: security-profiles-operator
{{- end }}
