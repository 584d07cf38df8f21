// Package controllers is the root of the manager's reconcilers, one package
// per kind below it (controllers/<kind>): spod configuration, profile status
// aggregation, in-use protection, recording merges, and the nodes' SELinux
// labels (controllers/selinuxnode).
package controllers
