// Package hackscripts runs the scripts under hack/ against small fake
// repositories, for the situations a developer's own clone rarely is in
// (e.g. a fresh clone without bin/).
package hackscripts
