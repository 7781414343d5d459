"""Mirror the collection's files into DEST/ansible_collections/viam/cloud.

ansible-test only accepts a collection that physically sits at
``.../ansible_collections/<namespace>/<name>`` (a symlink is resolved and
rejected), so every test step runs in such a copy under ``build/``.

The files copied are ``git ls-files -co --exclude-standard``: tracked files
plus untracked files that are not ignored (work in progress is tested too).
Only changed files are copied; files in the copy that are no longer in that
list are removed, except ``tests/output/`` (ansible-test's results and caches).

The copy gets an empty git repository of its own: ansible-test looks for a
``.git`` in the collection root and its parents, and would otherwise find this
repository, where ``build/`` is ignored, and so test nothing ("All targets
skipped"). With its own repository it lists the copy's files (tracked or not)
and honours the copy's ``.gitignore`` (tests/output, .ansible, caches, ...).

Usage: hack/sync-build.py DEST   (prints the collection path it synced)
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys

NAMESPACE = 'viam'
NAME = 'cloud'
# kept in the copy across syncs: ansible-test's output and the copy's own git
KEEP = ('tests/output/', '.git/')


def list_files(repo):
    """Return the repository's tracked and untracked-not-ignored files."""
    out = subprocess.run(
        ['git', 'ls-files', '-z', '--cached', '--others', '--exclude-standard'],
        cwd=repo, check=True, stdout=subprocess.PIPE,
    ).stdout.decode('utf-8', 'surrogateescape')
    files = set()
    for rel in out.split('\0'):
        # deleted-but-still-tracked files are listed but no longer exist
        if rel and os.path.lexists(os.path.join(repo, rel)):
            files.add(rel)
    return files


def same(src, dst):
    """Tell whether dst already is a copy of src (size, mtime, mode)."""
    try:
        s, d = os.lstat(src), os.lstat(dst)
    except FileNotFoundError:
        return False
    if stat.S_ISLNK(s.st_mode) or stat.S_ISLNK(d.st_mode):
        return stat.S_ISLNK(s.st_mode) and stat.S_ISLNK(d.st_mode) and os.readlink(src) == os.readlink(dst)
    return (s.st_size == d.st_size and int(s.st_mtime) == int(d.st_mtime)
            and stat.S_IMODE(s.st_mode) == stat.S_IMODE(d.st_mode))


def main(argv):
    """Sync the copy; return a process exit code."""
    if len(argv) != 2:
        sys.stderr.write(__doc__)
        return 2
    repo = subprocess.run(['git', 'rev-parse', '--show-toplevel'], check=True,
                          stdout=subprocess.PIPE).stdout.decode().strip()
    dest = os.path.join(os.path.abspath(argv[1]), 'ansible_collections', NAMESPACE, NAME)
    real_dest, real_repo = os.path.realpath(dest), os.path.realpath(repo)
    if real_repo == real_dest or real_repo.startswith(real_dest + os.sep):
        sys.stderr.write('refusing to sync into %s: it holds the repository itself\n' % dest)
        return 2

    files = list_files(repo)
    os.makedirs(dest, exist_ok=True)
    copied = removed = 0

    for rel in sorted(files):
        src, dst = os.path.join(repo, rel), os.path.join(dest, rel)
        if same(src, dst):
            continue
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        if os.path.lexists(dst) or os.path.isdir(dst):
            if os.path.isdir(dst) and not os.path.islink(dst):
                shutil.rmtree(dst)
            else:
                os.unlink(dst)
        if os.path.islink(src):
            os.symlink(os.readlink(src), dst)
        else:
            shutil.copy2(src, dst)
        copied += 1

    for root, dirs, names in os.walk(dest, topdown=True):
        rel_root = os.path.relpath(root, dest)
        rel_root = '' if rel_root == '.' else rel_root + '/'
        dirs[:] = [d for d in dirs if not (rel_root + d + '/').startswith(KEEP)]
        for name in names:
            rel = rel_root + name
            if rel not in files:
                os.unlink(os.path.join(root, name))
                removed += 1
        for name in list(dirs):
            path = os.path.join(root, name)
            if os.path.islink(path) and rel_root + name not in files:
                os.unlink(path)
                dirs.remove(name)
                removed += 1

    if not os.path.isdir(os.path.join(dest, '.git')):
        subprocess.run(['git', 'init', '--quiet', dest], check=True)

    # drop the directories left empty (bottom-up), never the kept ones
    for root, dirs, names in os.walk(dest, topdown=False):
        rel_root = os.path.relpath(root, dest)
        if rel_root != '.' and not (rel_root + '/').startswith(KEEP) and not os.listdir(root):
            os.rmdir(root)

    print('synced %d files to %s (%d copied, %d removed)' % (len(files), dest, copied, removed), file=sys.stderr)
    print(dest)
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
