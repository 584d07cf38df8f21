package buildtest

import (
	"strings"
	"sync"
)

// Output collects a child process's stdout and stderr while the test
// reads them: os/exec writes from its own goroutines.
type Output struct {
	mu sync.Mutex
	b  strings.Builder
}

func (o *Output) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.b.Write(p)
}

func (o *Output) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.b.String()
}
