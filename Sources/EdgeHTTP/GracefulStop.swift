import ServiceLifecycle

extension ServiceGroup {
    /// Asks every service to stop, waits for `task` (the one running this group), and cancels it
    /// if it still runs after `grace`.
    public func stop(running task: Task<Void, any Error>, grace: Duration = .seconds(5)) async {
        await triggerGracefulShutdown()
        let deadline = Task {
            try await Task.sleep(for: grace)
            task.cancel()
        }
        _ = await task.result
        deadline.cancel()
    }
}
