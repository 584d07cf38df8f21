package logging

import (
	"github.com/go-logr/logr"
	"go.uber.org/zap/zapcore"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/securityprofiles/operator/internal/version"
)

// Setup installs a JSON logger at the given verbosity (0, or 1 for V(1)
// detail) as controller-runtime's logger, logs the build details, and
// returns the component's logger.
func Setup(component string, verbosity int) logr.Logger {
	level := zapcore.Level(-verbosity)
	ctrl.SetLogger(zap.New(zap.Level(level), zap.UseDevMode(false)))
	log := ctrl.Log.WithName(component)
	log.Info("Starting component", append([]any{"component", component}, version.Get().KeysAndValues()...)...)
	log.Info("Set logging verbosity", "verbosity", verbosity)
	return log
}
