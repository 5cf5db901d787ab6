// RefCell (see refcell.hpp for the real type and the behaviour copied): the
// machine's borrow, try-borrow and end-borrow instructions. A conflicting
// borrow panics (panic.cpp); a borrow from a second thread stops the run.
#include "exec/primitives/refcell.hpp"

#include <string>

#include "exec/machine.hpp"

namespace wb {

bool Machine::cell_thread(uint16_t tid, uint32_t c, uint32_t prog, uint32_t pc) {
  RefCellRt& cell = w_.refcells[c];
  if (cell.thread == 0) {
    cell.thread = static_cast<uint16_t>(tid + 1);
    return true;
  }
  if (cell.thread == tid + 1) return true;
  w_.unsync = UnsyncFact{c, static_cast<uint16_t>(cell.thread - 1), tid, static_cast<uint32_t>(step_),
                         prog, pc};
  halt(Halt::NotSync);
  return false;
}

Machine::CellOp Machine::cell_borrow(uint16_t tid, uint32_t c, bool mut, bool try_only,
                                     uint32_t prog, uint32_t pc) {
  touch_refcell(c);
  if (!cell_thread(tid, c, prog, pc)) return CellOp::Stopped;
  RefCellRt& cell = w_.refcells[c];
  const ThreadRt& th = w_.threads[tid];
  const Frame& f = th.stack.back();
  const bool poll = f.kind == FrameKind::Poll;
  if (const BorrowRt* in_way = refcell::conflict(cell, mut)) {
    if (try_only) {
      ev(tid, Ev::TryFail, c, 0, static_cast<uint8_t>(mut ? TryFailure::BorrowMut : TryFailure::Borrow));
      return CellOp::Failed;
    }
    PanicFact p;
    p.cause = mut ? PanicCause::BorrowMutError : PanicCause::BorrowError;
    p.prog = prog;
    p.pc = pc;
    p.resource = c;
    p.outstanding = *in_way;
    if (in_way->holder_kind == HolderKind::Frame) {
      const Frame& hf = w_.threads[in_way->thread].stack[in_way->holder];
      p.holder_frame = hf.kind;
      p.holder_frame_id = hf.id;
    }
    raise_panic(tid, std::move(p));
    return CellOp::Stopped;
  }
  BorrowRt b;
  b.holder_kind = poll ? HolderKind::Task : HolderKind::Frame;
  b.holder = poll ? f.id : static_cast<uint32_t>(th.stack.size() - 1);
  b.thread = tid;
  b.mut = mut;
  b.step = static_cast<uint32_t>(step_);
  b.prog = prog;
  b.pc = pc;
  cell.borrows.push_back(b);
  ev(tid, Ev::Borrow, c, poll ? f.id : kNoId, mut ? 1 : 0, 0,
     static_cast<int64_t>(cell.borrows.size()));
  return CellOp::Taken;
}

bool Machine::cell_end(uint16_t tid, uint32_t c, uint32_t prog, uint32_t pc) {
  touch_refcell(c);
  if (!cell_thread(tid, c, prog, pc)) return false;
  RefCellRt& cell = w_.refcells[c];
  const ThreadRt& th = w_.threads[tid];
  const Frame& f = th.stack.back();
  const bool poll = f.kind == FrameKind::Poll;
  const int i = refcell::find(cell, poll ? HolderKind::Task : HolderKind::Frame,
                              poll ? f.id : static_cast<uint32_t>(th.stack.size() - 1), tid);
  if (i < 0)
    throw ScenarioError("scenario '" + sc_.name + "': " + sc_.program_owner(prog) + ", " +
                        sc_.programs[prog].where[pc] + ": ends a borrow of RefCell '" +
                        sc_.refcells[c].name + "' that it does not hold");
  cell.borrows.erase(cell.borrows.begin() + i);
  ev(tid, Ev::EndBorrow, c, poll ? f.id : kNoId, 0, 0, static_cast<int64_t>(cell.borrows.size()));
  return true;
}

// A task or future is dropped, finishes or unwinds: its Refs and RefMuts drop.
void Machine::release_borrows(uint32_t task) {
  for (uint32_t c = 0; c < w_.refcells.size(); ++c) {
    std::vector<BorrowRt>& bs = w_.refcells[c].borrows;
    const size_t before = bs.size();
    for (size_t i = bs.size(); i-- > 0;)
      if (bs[i].holder_kind == HolderKind::Task && bs[i].holder == task) bs.erase(bs.begin() + static_cast<long>(i));
    if (bs.size() != before) touch_refcell(c);
  }
}

}  // namespace wb
