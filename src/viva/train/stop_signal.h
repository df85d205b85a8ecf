#pragma once
// SIGINT/SIGTERM during training ask the loop to checkpoint and stop; a second signal kills.
namespace viva {

class StopSignal {
 public:
  StopSignal();   // installs the handlers
  ~StopSignal();  // restores the previous ones
  StopSignal(const StopSignal&) = delete;
  StopSignal& operator=(const StopSignal&) = delete;
  bool requested() const;
  // For tests: behave as if a signal had arrived.
  static void request();
};

}  // namespace viva
