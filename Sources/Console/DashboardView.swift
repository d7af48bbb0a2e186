/// The whole screen as a pure function of state: lays the panels out for the terminal size.
public enum DashboardView {
    public static let minimumWidth = 80
    public static let minimumHeight = 24

    public static func render(_ state: DashboardState, width: Int, height: Int) -> ScreenBuffer {
        var buffer = ScreenBuffer(width: width, height: height)
        guard width >= minimumWidth, height >= minimumHeight else {
            OverlayPanels.tooSmall(into: &buffer)
            return buffer
        }
        HeaderPanel.render(state, into: &buffer)
        if let colo = state.detailColo {
            DetailPanel.render(state, colo: colo, into: &buffer, top: 2, bottom: height - 1)
            greyIfOld(state, &buffer)
            OverlayPanels.hints(state, into: &buffer)
            if state.overlay == .help { OverlayPanels.help(state, into: &buffer) }
            return buffer
        }
        let thresholdsHeight = 7, historyHeight = 3, minimumLog = 3
        if width >= 132 {
            // Side by side: thresholds and history to the right of the colo table.
            let tableRows = max(3, min(state.rows.count, height - 4 - minimumLog))
            let afterTable = ColoTablePanel.render(state, into: &buffer, top: 2, maxRows: tableRows)
            let x = ColoTablePanel.width + 2
            ThresholdsPanel.render(state, into: &buffer, x: x, top: 2, width: width - x)
            SparklinePanel.render(state, into: &buffer, x: x, top: 2 + thresholdsHeight + 1, width: width - x)
            let below = max(afterTable, 2 + thresholdsHeight + 1 + historyHeight)
            EventLogPanel.render(state, into: &buffer, top: below + 1, bottom: height - 1)
        } else {
            // Header, table heading, blank line, thresholds, history, the log's least, hints.
            let room = height - 2 - 1 - 1 - thresholdsHeight - historyHeight - minimumLog - 1
            let tableRows = max(3, min(state.rows.count, room))
            let afterTable = ColoTablePanel.render(state, into: &buffer, top: 2, maxRows: tableRows)
            ThresholdsPanel.render(state, into: &buffer, x: 0, top: afterTable + 1, width: width)
            let historyTop = afterTable + 1 + thresholdsHeight
            SparklinePanel.render(state, into: &buffer, x: 0, top: historyTop, width: width)
            EventLogPanel.render(state, into: &buffer, top: historyTop + historyHeight, bottom: height - 1)
        }
        greyIfOld(state, &buffer)
        OverlayPanels.hints(state, into: &buffer)
        if state.overlay == .help { OverlayPanels.help(state, into: &buffer) }
        return buffer
    }

    /// While an attached console's connection is lost, everything under the header is grey:
    /// the figures stay for reference, but no colour says OK or ALERT about now.
    static func greyIfOld(_ state: DashboardState, _ buffer: inout ScreenBuffer) {
        guard state.link?.isDown == true else { return }
        for y in 2..<(buffer.height - 1) { buffer.paint(x: 0, y: y, length: buffer.width, style: .muted) }
    }
}
