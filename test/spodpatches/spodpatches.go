package spodpatches

// Manual holds the bodies of the manual's fifteen
// `kubectl patch spod spod --type=merge -p …` commands. The manual writes
// the tolerations and affinity bodies as "{...}"; those two hold a real
// value here. The webhook patch is the manual's YAML patch file.
var Manual = []string{
	`{"spec":{"webhookOptions":[{"name":"binding.spo.io","namespaceSelector":{"matchExpressions":[{"key":"control-plane","operator":"DoesNotExist"}]}},{"name":"recording.spo.io","namespaceSelector":{"matchExpressions":[{"key":"control-plane","operator":"DoesNotExist"}]}}]}}`,
	`{"spec":{"priorityClassName":"my-priority-class"}}`,
	`{"spec":{"verbosity":1}}`,
	`{"spec":{"selinuxTypeTag":"unconfined_t"}}`,
	`{"spec":{"daemonResourceRequirements": {"requests": {"memory": "256Mi", "cpu": "250m"}, "limits": {"memory": "512Mi", "cpu": "500m"}}}}`,
	`{"spec":{"allowedSyscalls": ["exit", "exit_group", "futex", "nanosleep"]}}`,
	`{"spec":{"tolerations": [{"key":"node-role.kubernetes.io/control-plane","operator":"Exists","effect":"NoSchedule"}]}}`,
	`{"spec":{"affinity": {"nodeAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":{"nodeSelectorTerms":[{"matchExpressions":[{"key":"kubernetes.io/os","operator":"In","values":["linux"]}]}]}}}}}`,
	`{"spec":{"enableMemoryOptimization":true}}`,
	`{"spec":{"enableBpfRecorder":true}}`,
	`{"spec":{"enableLogEnricher":true}}`,
	`
spec:
  webhookOptions:
    - name: binding.spo.io
      failurePolicy: Ignore
      namespaceSelector:
        matchExpressions:
          - key: spo.x-k8s.io/bind-here
            operator: In
            values:
              - "true"
`,
	`{"spec":{"enableProfiling":true}}`,
	`{"spec":{"hostProcVolumePath":"/my-proc"}}`,
	`{"spec":{"apparmorenabled":"true"}}`,
}
