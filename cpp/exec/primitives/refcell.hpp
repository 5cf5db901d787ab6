// std::cell::RefCell (Rust 1.63, library/core/src/cell.rs): a value with
// borrows checked at run time. The behaviour copied:
//  - any number of shared borrows (`borrow()`, a `Ref`) or exactly one
//    mutable borrow (`borrow_mut()`, a `RefMut`), never both;
//  - `borrow()` while it is mutably borrowed panics: cell.rs's
//    `self.try_borrow().expect("already mutably borrowed")`, the message
//    "already mutably borrowed: BorrowError";
//  - `borrow_mut()` while any borrow is outstanding, shared or mutable,
//    this holder's own included, panics: "already borrowed: BorrowMutError";
//  - `try_borrow()` / `try_borrow_mut()` return `Err(BorrowError)` /
//    `Err(BorrowMutError)` in those cases instead: nothing taken, no
//    panic, the program branches on it (`on_fail`), as the try-ops do;
//  - a borrow ends when its `Ref` / `RefMut` is dropped: `end_borrow()`, the
//    end of a with_ region, or the holder's end: a task's or future's
//    future finished or dropped (cancelled, aborted, unwound by a panic)
//    drops the guards it holds, as it drops a MutexGuard.
// A RefCell never blocks: there are no waiters and no wait-for edges. It is
// !Sync (and an Rc<RefCell<T>> !Send): code touching one from two threads
// does not compile. The bench follows the observation, not the shape: the
// first thread that touches a cell owns it; a touch from another thread
// (a foreign thread, another worker of a multi-thread runtime that polls a
// task) stops the run with not_send (Halt::NotSync), since Rust rejects
// the program.
//
// Who holds a borrow: the task or future whose poll took it (a task's
// borrow lives across its awaits, in its future's state), or the frame that
// took it (a Drop hook, a handler, a thread), as a mutex's holder.
//
// Every op (borrow, borrow_mut, try_*, end_borrow) is a visible operation
// that touches the cell (one footprint resource per cell, written).
//
// Invariants: `borrows` holds shared borrows only, or one mutable one;
// `thread` is 0 until the first touch, then the owning thread's id + 1.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "exec/primitives/mutex.hpp"

namespace wb {

struct BorrowRt {
  HolderKind holder_kind = HolderKind::Task;  // or Frame
  bool mut = false;
  uint16_t thread = 0;      // the thread of a Frame holder
  uint32_t holder = 0;      // task id, or frame depth on `thread`'s stack
  uint32_t step = 0;        // where and when it was taken
  uint32_t prog = 0, pc = 0;
};

struct RefCellRt {
  std::vector<BorrowRt> borrows;
  uint16_t thread = 0;  // the thread it belongs to, + 1 (0: not touched yet)
};

namespace refcell {

// What a borrow would meet: nothing in its way, or the borrow in the way
// (the mutable one; for borrow_mut, the first one outstanding).
inline const BorrowRt* conflict(const RefCellRt& c, bool mut) {
  if (c.borrows.empty()) return nullptr;
  if (mut) return &c.borrows.front();
  for (const BorrowRt& b : c.borrows)
    if (b.mut) return &b;
  return nullptr;
}

// The latest borrow of this holder, or -1.
inline int find(const RefCellRt& c, HolderKind kind, uint32_t holder, uint16_t thread) {
  for (int i = static_cast<int>(c.borrows.size()) - 1; i >= 0; --i) {
    const BorrowRt& b = c.borrows[static_cast<size_t>(i)];
    if (b.holder_kind == kind && b.holder == holder && (kind != HolderKind::Frame || b.thread == thread)) return i;
  }
  return -1;
}

}  // namespace refcell
}  // namespace wb
