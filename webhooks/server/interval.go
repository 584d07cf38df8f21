package server

import "time"

// StatusInterval is the least time between two status writes of one
// binding or recording: pods of a busy Deployment come and go many times a
// second, and every change would otherwise rewrite the whole
// activeWorkloads list.
const StatusInterval = time.Second
