// Command threads makes a distinct syscall on each of several new OS
// threads, so a recorder that does not follow new threads misses some.
package main

import (
	"fmt"
	"runtime"
	"sync"
	"syscall"
)

func main() {
	calls := []func(){
		func() { _, _ = syscall.Getcwd(make([]byte, 256)) },
		func() { var u syscall.Utsname; _ = syscall.Uname(&u) },
		func() { var s syscall.Sysinfo_t; _ = syscall.Sysinfo(&s) },
		func() { var r syscall.Rusage; _ = syscall.Getrusage(syscall.RUSAGE_SELF, &r) },
	}
	var wg sync.WaitGroup
	for _, call := range calls {
		wg.Add(1)
		go func() {
			// Exiting while locked ends the thread, so the next call
			// needs a freshly cloned one.
			runtime.LockOSThread()
			defer wg.Done()
			call()
		}()
	}
	wg.Wait()
	fmt.Println("threads done")
}
