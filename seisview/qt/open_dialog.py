"""File → Open: scan the file, show the scan report, let the user override byte locations."""

from __future__ import annotations

from pathlib import Path

from PyQt6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
)

from seisview.core.errors import SeisviewError


def report_text(report) -> str:
    """A readable summary of a ScanReport (the facts an interpreter checks before loading)."""
    d = report.to_json_dict()
    lines = [f"{Path(d['path']).name}: {d['kind']}, {d['n_traces']} traces x {d['n_samples']} samples "
             f"at {report.dt:g} {d['z_unit']}, t0 {d['t0_ms']:g} {d['z_unit']} ({d['domain']})",
             f"format {d['sample_format']} ({d['byte_order']}-endian), text header {d['text_encoding']}, "
             f"sorting {d['sorting']}"]
    if "inlines" in d:
        il, xl = d["inlines"], d["crosslines"]
        lines.append(f"inlines {il['first']}-{il['last']} step {il['step']} (byte {d['iline_byte']}), "
                     f"crosslines {xl['first']}-{xl['last']} step {xl['step']} (byte {d['xline_byte']})")
        lines.append("world coordinates: " + ("yes" if d.get("affine") else "none"))
    if "gathers" in d:
        g = d["gathers"]
        lines.append(f"{g['count']} gathers by {g['key']} (byte {g['byte']})")
    if d["missing_traces"] or d["duplicate_traces"]:
        lines.append(f"missing traces {d['missing_traces']}, duplicates {d['duplicate_traces']}")
    for w in d["warnings"]:
        lines.append(f"warning: {w}")
    return "\n".join(lines)


class OpenDialog(QDialog):
    """Shows ``scan(path)``; byte-location overrides re-scan. ``result_args()`` -> kwargs for load."""

    def __init__(self, path, parent=None, scan=None):
        super().__init__(parent)
        if scan is None:
            from seisview.io.segy import scan
        self._scan = scan
        self.path = Path(path)
        self.report = None
        self.setWindowTitle(f"Open {self.path.name}")
        self.resize(720, 420)
        self.text = QPlainTextEdit(readOnly=True)
        self.override = QCheckBox("override byte locations")
        self.il_byte, self.xl_byte, self.key_byte = (self._byte_box(v) for v in (189, 193, 9))
        self.rescan_btn = QPushButton("Scan again")
        form = QFormLayout()
        form.addRow(self.override)
        form.addRow("inline byte", self.il_byte)
        form.addRow("crossline byte", self.xl_byte)
        form.addRow("gather key byte (pre-stack)", self.key_byte)
        self.use_key = QCheckBox("read as pre-stack gathers by this key")
        form.addRow(self.use_key)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Open
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.rescan_btn.clicked.connect(self.rescan)
        lay = QVBoxLayout(self)
        lay.addWidget(QLabel(str(self.path)))
        lay.addWidget(self.text, 1)
        lay.addLayout(form)
        row = QHBoxLayout()
        row.addWidget(self.rescan_btn)
        row.addStretch(1)
        row.addWidget(self.buttons)
        lay.addLayout(row)
        self.rescan()

    @staticmethod
    def _byte_box(value: int) -> QSpinBox:
        b = QSpinBox()
        b.setRange(1, 237)
        b.setValue(value)
        return b

    def overrides(self) -> dict:
        out = {}
        if self.override.isChecked():
            out.update(iline=self.il_byte.value(), xline=self.xl_byte.value())
        if self.use_key.isChecked():
            out["gather_key"] = self.key_byte.value()
        return out

    def rescan(self) -> None:
        try:
            self.report = self._scan(self.path, **self.overrides())
        except SeisviewError as exc:
            self.report = None
            self.text.setPlainText(f"cannot open: {exc}")
            self.buttons.button(QDialogButtonBox.StandardButton.Open).setEnabled(False)
            return
        self.text.setPlainText(report_text(self.report))
        self.buttons.button(QDialogButtonBox.StandardButton.Open).setEnabled(True)
        if self.report.iline_byte:
            self.il_byte.setValue(self.report.iline_byte)
        if self.report.xline_byte:
            self.xl_byte.setValue(self.report.xline_byte)
