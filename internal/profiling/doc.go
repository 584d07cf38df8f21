// Package profiling serves Go's pprof endpoints for a binary when spod's
// enableProfiling asks for them (SPO_PROFILING and SPO_PROFILING_PORT in
// the container's environment).
package profiling
