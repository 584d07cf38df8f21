// Package podcache trims pods before they enter a controller cache. The
// manager caches every pod of the cluster and a daemon every pod of its
// node; whole pods (env, volumes, images, managedFields, statuses) cost
// kilobytes each, while the controllers read a few security contexts,
// annotations and status fields. A controller that starts reading another
// pod field must add it here: the tests compare each reader's answer on a
// full pod and on its trimmed copy.
package podcache
