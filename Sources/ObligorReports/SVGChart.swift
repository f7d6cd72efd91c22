/// Small deterministic inline-SVG charts (no JavaScript, renders offline and in PDF).
enum SVGChart {
    struct Series {
        let name: String
        let points: [(Double, Double)]
        let color: String
        let dashed: Bool
        let markers: Bool
    }

    /// A line chart on [xMin, xMax] × [yMin, yMax] with axes, grid and legend.
    static func lines(title: String, xLabel: String, yLabel: String, series: [Series],
                      xRange: (Double, Double) = (0, 1), yRange: (Double, Double) = (0, 1),
                      width: Double = 420, height: Double = 320) -> String {
        let left = 52.0, right = 14.0, top = 28.0, bottom = 44.0
        let pw = width - left - right, ph = height - top - bottom
        func sx(_ x: Double) -> Double { left + (x - xRange.0) / max(1e-12, xRange.1 - xRange.0) * pw }
        func sy(_ y: Double) -> Double { top + ph - (y - yRange.0) / max(1e-12, yRange.1 - yRange.0) * ph }
        func f(_ v: Double) -> String { String(format: "%.2f", v) }
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(f(width))\" height=\"\(f(height))\" viewBox=\"0 0 \(f(width)) \(f(height))\" font-family=\"Helvetica,Arial,sans-serif\" font-size=\"11\">\n"
        s += "<text x=\"\(f(width / 2))\" y=\"16\" text-anchor=\"middle\" font-size=\"13\" font-weight=\"bold\">\(HTML.escape(title))</text>\n"
        for k in 0...5 {
            let t = Double(k) / 5
            let xv = xRange.0 + t * (xRange.1 - xRange.0), yv = yRange.0 + t * (yRange.1 - yRange.0)
            s += "<line x1=\"\(f(sx(xv)))\" y1=\"\(f(top))\" x2=\"\(f(sx(xv)))\" y2=\"\(f(top + ph))\" stroke=\"#e3e6ee\"/>"
            s += "<line x1=\"\(f(left))\" y1=\"\(f(sy(yv)))\" x2=\"\(f(left + pw))\" y2=\"\(f(sy(yv)))\" stroke=\"#e3e6ee\"/>\n"
            s += "<text x=\"\(f(sx(xv)))\" y=\"\(f(top + ph + 14))\" text-anchor=\"middle\">\(HTML.number(xv, 2))</text>"
            s += "<text x=\"\(f(left - 5))\" y=\"\(f(sy(yv) + 4))\" text-anchor=\"end\">\(HTML.number(yv, 2))</text>\n"
        }
        s += "<rect x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(pw))\" height=\"\(f(ph))\" fill=\"none\" stroke=\"#556\"/>\n"
        s += "<text x=\"\(f(left + pw / 2))\" y=\"\(f(height - 8))\" text-anchor=\"middle\">\(HTML.escape(xLabel))</text>\n"
        s += "<text transform=\"translate(13,\(f(top + ph / 2))) rotate(-90)\" text-anchor=\"middle\">\(HTML.escape(yLabel))</text>\n"
        for (k, series) in series.enumerated() {
            let pts = series.points.map { "\(f(sx($0.0))),\(f(sy($0.1)))" }.joined(separator: " ")
            s += "<polyline fill=\"none\" stroke=\"\(series.color)\" stroke-width=\"1.8\"\(series.dashed ? " stroke-dasharray=\"4 3\"" : "") points=\"\(pts)\"/>\n"
            if series.markers {
                for p in series.points { s += "<circle cx=\"\(f(sx(p.0)))\" cy=\"\(f(sy(p.1)))\" r=\"2.6\" fill=\"\(series.color)\"/>" }
                s += "\n"
            }
            let ly = top + 14 + Double(k) * 14
            s += "<line x1=\"\(f(left + 8))\" y1=\"\(f(ly - 4))\" x2=\"\(f(left + 26))\" y2=\"\(f(ly - 4))\" stroke=\"\(series.color)\" stroke-width=\"2\"\(series.dashed ? " stroke-dasharray=\"4 3\"" : "")/>"
            s += "<text x=\"\(f(left + 30))\" y=\"\(f(ly))\">\(HTML.escape(series.name))</text>\n"
        }
        return s + "</svg>"
    }
}
