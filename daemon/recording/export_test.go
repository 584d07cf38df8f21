package recording

// HasSyscall says whether the backend holds syscall name for a container,
// without collecting it: tests wait for the log enricher to catch up
// before they end a recording.
func (b *LogBackend) HasSyscall(containerID, name string) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	e := b.byID[containerID]
	if e == nil {
		return false
	}
	_, ok := e.names[name]
	return ok
}
