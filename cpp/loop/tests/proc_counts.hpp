// Counting this process's open fds and threads through /proc, for leak tests.
#pragma once

#include <dirent.h>

#include <cstddef>

namespace wb::loop::testing {

// Entries of a /proc directory, "." and ".." excluded (0 if it cannot be read).
inline std::size_t count_entries(const char* dir) {
  DIR* d = opendir(dir);
  if (d == nullptr) return 0;
  std::size_t n = 0;
  while (dirent* e = readdir(d)) {
    if (e->d_name[0] != '.') ++n;
  }
  closedir(d);
  return n;
}

inline std::size_t open_fds() { return count_entries("/proc/self/fd"); }
inline std::size_t live_threads() { return count_entries("/proc/self/task"); }

}  // namespace wb::loop::testing
