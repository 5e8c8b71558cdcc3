package main

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// One Debian bookworm minbase rootfs, made by debootstrap once and cached as
// a tarball; every image of the mirror and the engine image start from it.

func rootfsTarball(cfg config) string { return cfg.path("rootfs", "bookworm-minbase.tar") }

// debianMirror reads the Debian mirror the host's apt uses, so the images
// fetch packages from the same place (empty: debootstrap's default).
func debianMirror() string {
	for _, f := range []string{"/etc/apt/sources.list.d/debian.sources", "/etc/apt/sources.list"} {
		file, err := os.Open(f)
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(file)
		for sc.Scan() {
			line := strings.TrimSpace(sc.Text())
			if strings.HasPrefix(line, "URIs:") {
				for _, u := range strings.Fields(strings.TrimPrefix(line, "URIs:")) {
					if !strings.Contains(u, "security") {
						file.Close()
						return u
					}
				}
			}
			if f := strings.Fields(line); len(f) >= 3 && f[0] == "deb" && !strings.Contains(f[1], "security") {
				file.Close()
				return f[1]
			}
		}
		file.Close()
	}
	return ""
}

// sourcesFor renders the image's apt sources for the given mirror.
func sourcesFor(mirror string) string {
	security := strings.TrimSuffix(mirror, "/debian") + "/debian-security"
	if !strings.HasSuffix(mirror, "/debian") {
		security = ""
	}
	s := fmt.Sprintf("Types: deb\nURIs: %s\nSuites: bookworm bookworm-updates\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n", mirror)
	if security != "" {
		s += fmt.Sprintf("\nTypes: deb\nURIs: %s\nSuites: bookworm-security\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n", security)
	}
	return s
}

// slim settings like Debian's -slim images: no docs, man pages or locales.
const dpkgSlim = `path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
`

// ensureRootfs makes the cached tarball if missing.
func ensureRootfs(cfg config) error {
	tarball := rootfsTarball(cfg)
	if _, err := os.Stat(tarball); err == nil {
		return nil
	}
	dir := cfg.path("rootfs", "bookworm-minbase")
	os.RemoveAll(dir) // a half-finished debootstrap is not reusable
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	logFile := cfg.path("logs", "debootstrap.log")
	mirror := debianMirror()
	args := []string{"--variant=minbase", "bookworm", dir}
	if mirror != "" {
		args = append(args, mirror)
	}
	var err error
	for attempt := 1; attempt <= 2; attempt++ {
		if err = runLogged(logFile, "debootstrap", args...); err == nil {
			break
		}
		os.RemoveAll(dir)
		os.MkdirAll(dir, 0o755)
	}
	if err != nil {
		return err
	}
	if mirror != "" {
		os.Remove(filepath.Join(dir, "etc/apt/sources.list"))
		if err := os.WriteFile(filepath.Join(dir, "etc/apt/sources.list.d/debian.sources"), []byte(sourcesFor(mirror)), 0o644); err != nil {
			return err
		}
	}
	files := map[string]string{
		"etc/dpkg/dpkg.cfg.d/docker-slim": dpkgSlim,
		// package indexes of a snapshot mirror can be past their Valid-Until date
		"etc/apt/apt.conf.d/99airgap-snapshot": "Acquire::Check-Valid-Until \"false\";\n",
		"etc/apt/apt.conf.d/docker-clean":      "DPkg::Post-Invoke { \"rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true\"; };\n",
		"etc/resolv.conf":                      "",
		"etc/hostname":                         "",
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			return err
		}
	}
	for _, glob := range []string{"usr/share/doc/*", "usr/share/man/*", "usr/share/info/*", "usr/share/locale/*", "var/lib/apt/lists/*", "var/cache/apt/*.bin", "var/cache/apt/archives/*.deb", "var/log/*.log", "var/log/apt/*"} {
		m, _ := filepath.Glob(filepath.Join(dir, glob))
		for _, p := range m {
			os.RemoveAll(p)
		}
	}
	tmp := tarball + ".tmp"
	if err := runLogged(logFile, "tar", "--numeric-owner", "-C", dir, "-cf", tmp, "."); err != nil {
		return err
	}
	if err := os.Rename(tmp, tarball); err != nil {
		return err
	}
	return os.RemoveAll(dir)
}

func runLogged(logFile, name string, args ...string) error {
	f, err := os.OpenFile(logFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer f.Close()
	fmt.Fprintf(f, "\n$ %s %s\n", name, strings.Join(args, " "))
	cmd := exec.Command(name, args...)
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s failed (%v): %s", name, err, tailFile(logFile, 2))
	}
	return nil
}
