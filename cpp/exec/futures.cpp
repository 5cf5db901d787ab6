// Futures inside a task: await, select! (unbiased unless biased), and
// Buffered / buffer_unordered streams over futures that may pre-exist.
#include "exec/machine.hpp"

#include <algorithm>
#include <string>

namespace wb {

void Machine::drop_future(uint16_t tid, uint32_t fut) {
  TaskRt& t = w_.tasks[fut];
  if (t.status == TaskStatus::Done || t.status == TaskStatus::Dropped) return;
  if (cut_short(fut)) return;
  std::vector<uint32_t> to_wake;
  release_task(fut, to_wake, tid);
  t.status = TaskStatus::Dropped;
  ev(tid, Ev::TaskDropped, fut);
  Frame& f = w_.threads[tid].stack.back();
  f.wakes.insert(f.wakes.end(), to_wake.begin(), to_wake.end());
}

void Machine::drop_futures_of(uint16_t tid, uint32_t task) {
  for (uint32_t fut : sc_.templates[sc_.template_of(task)].futures) drop_future(tid, fut);
}

// Await: poll the future (a frame on this stack); ready: go on; pending: so
// is this task (the future holds this task's waker).
void Machine::await_step(uint16_t tid, uint32_t fut) {
  Frame& f = w_.threads[tid].stack.back();
  uint32_t& pc = w_.tasks[f.id].pc;
  TaskStatus st = w_.tasks[fut].status;
  if (f.child_polled || st == TaskStatus::Done) {
    f.child_polled = 0;
    if (st == TaskStatus::Done) {
      ++pc;
    } else {
      return_pending(tid);
    }
    return;
  }
  poll_child(tid, f, fut, "awaited");
}

// The owner polls one of its futures (an await, a select! branch): a
// dropped one is the scenario's error.
void Machine::poll_child(uint16_t tid, Frame& f, uint32_t fut, const char* how) {
  if (w_.tasks[fut].status == TaskStatus::Dropped)
    throw ScenarioError("scenario '" + sc_.name + "': future '" + sc_.task_name(fut) + "' is " +
                        how + " after it was dropped");
  f.child_polled = 1;
  w_.tasks[fut].flags &= static_cast<uint8_t>(~kWoken);
  push_poll(tid, fut, Entry::Child, WakeCtx::TaskPoll);
}

// select!: each poll polls the branches' futures in turn, from the first
// (biased) or from one the explorer chooses (tokio's default picks it at
// random), until one is ready; its arm runs and the losers are dropped
// (cancelled) unless borrowed.
void Machine::select_step(uint16_t tid, uint32_t table) {
  const SelectTable& sel = sc_.selects[table];
  const uint32_t n = static_cast<uint32_t>(sel.branches.size());
  Frame& f = w_.threads[tid].stack.back();
  if (!f.child_polled && f.branch == 0 && !sel.biased && n > 1) {  // a new poll of the select
    std::vector<uint32_t>& opts = options_;
    opts.resize(n);
    for (uint32_t i = 0; i < n; ++i) opts[i] = i;
    f.start = static_cast<uint8_t>(choose(ChoiceKind::SelectStart, opts));
  }
  auto branch = [&](uint32_t i) { return (f.start + i) % n; };
  uint32_t i = f.branch;
  if (f.child_polled) {
    f.child_polled = 0;
    uint32_t b = branch(i);
    if (w_.tasks[sel.branches[b].future].status != TaskStatus::Done) {
      f.branch = static_cast<uint8_t>(++i);
    } else {
      f.branch = 0;
      f.start = 0;
      for (uint32_t j = 0; j < n; ++j)
        if (j != b && !sel.branches[j].borrowed) drop_future(tid, sel.branches[j].future);
      w_.tasks[f.id].pc = sel.branches[b].arm;
      return;
    }
  }
  if (i >= n) {
    f.branch = 0;
    f.start = 0;
    return_pending(tid);
    return;
  }
  uint32_t fut = sel.branches[branch(i)].future;
  TaskStatus st = w_.tasks[fut].status;
  if (st == TaskStatus::Done) {  // a borrowed future that finished earlier: ready at once
    f.child_polled = 1;
    return;
  }
  poll_child(tid, f, fut, "selected");
}

// Buffered (futures::stream::Buffered over a FuturesOrdered): take items
// from the wrapped stream while fewer than `size` are in flight, poll the
// ones in flight in order, yield the finished ones from the head. While the
// buffer is full the wrapped stream is not polled: a future still in it is
// never polled at all, whatever it was needed for.
void Machine::buffered_step(uint16_t tid, uint32_t table) {
  const BufferedTable& bt = sc_.buffereds[table];
  Frame& f = w_.threads[tid].stack.back();
  uint32_t task = f.id;
  int64_t* loc = w_.task_locals.data() + static_cast<size_t>(task) * sc_.task_locals + bt.local;
  int64_t& head = loc[0];
  int64_t& next = loc[1];
  int64_t& done = loc[2];
  const int64_t len = static_cast<int64_t>(bt.items.size());
  if (f.child_polled) {
    f.child_polled = 0;
    // FuturesUnordered yields a future's output as soon as its poll is
    // Ready (poll_next returns it): the order of completion.
    const uint32_t fut = bt.items[head + f.branch];
    if (bt.unordered && w_.tasks[fut].status == TaskStatus::Done)
      ev(tid, Ev::StreamYield, fut, task);
    ++f.branch;
  } else if (f.branch == 0) {  // a new pass: fill the buffer from the wrapped stream
    while (next < len && next - head - done < bt.size) {
      ++next;
      if (!pull_into_flight()) return;
    }
  }
  // Poll the in-flight futures in order.
  while (head + f.branch < next) {
    uint32_t fut = bt.items[head + f.branch];
    if (w_.tasks[fut].status == TaskStatus::Done) {
      ++f.branch;
      continue;
    }
    f.child_polled = 1;
    w_.tasks[fut].flags &= static_cast<uint8_t>(~kWoken);
    push_poll(tid, fut, Entry::Child, WakeCtx::TaskPoll);
    return;
  }
  f.branch = 0;
  bool yielded = false;
  if (bt.unordered) {  // FuturesUnordered yields whichever finished: each frees its slot
    int64_t finished = 0;
    for (int64_t i = head; i < next; ++i)
      finished += w_.tasks[bt.items[i]].status == TaskStatus::Done;
    if (finished > done) {
      live_down(static_cast<uint32_t>(finished - done));
      yielded = true;
    }
    done = finished;
    for (; head < next && w_.tasks[bt.items[head]].status == TaskStatus::Done; ++head) --done;
  } else {
    while (head < next && w_.tasks[bt.items[head]].status == TaskStatus::Done) {
      ev(tid, Ev::StreamYield, bt.items[head], task);
      ++head;  // FuturesOrdered yields in order
      live_down();
      yielded = true;
    }
  }
  if (head == len) {  // the stream is exhausted: go on
    head = next = done = 0;
    ++w_.tasks[task].pc;
    return;
  }
  if (yielded) return;  // a new pass: there is room again
  if (bt.always_poll && next < len) {
    // "Every day I'm pollin'": poll the wrapped stream although the buffer is full.
    ++next;
    pull_into_flight();
    return;
  }
  return_pending(tid);
}

}  // namespace wb
