package logging

import (
	"io"
	"os"

	"github.com/go-logr/logr"
	"go.uber.org/zap/zapcore"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/securityprofiles/operator/internal/version"
)

// New returns a JSON logger writing to w. verbosity 0 logs V(0) lines
// only; 1 (spod's verbosity 1, passed as --verbosity=1) adds V(1).
func New(w io.Writer, verbosity int) logr.Logger {
	// zap's levels are logr's V levels negated: V(1) is zap level -1.
	return zap.New(zap.Level(zapcore.Level(-verbosity)), zap.UseDevMode(false), zap.WriteTo(w))
}

// Setup installs a logger (see New) writing to stderr as
// controller-runtime's logger, logs the build details and returns the
// component's logger. extra are key/value pairs added to the build line,
// such as the libseccomp version of binaries that link it.
func Setup(component string, verbosity int, extra ...any) logr.Logger {
	return setup(os.Stderr, component, verbosity, extra...)
}

func setup(w io.Writer, component string, verbosity int, extra ...any) logr.Logger {
	ctrl.SetLogger(New(w, verbosity))
	log := ctrl.Log.WithName(component)
	kv := append([]any{"component", component}, version.Get().KeysAndValues()...)
	log.Info("Starting component", append(kv, extra...)...)
	log.Info("Set logging verbosity", "verbosity", verbosity)
	return log
}
