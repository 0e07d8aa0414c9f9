#include "ceremony/console/open_ceremony_page.h"

#include <QComboBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>

#include <algorithm>

#include "ceremony/console/file_field.h"

namespace hallmark::ceremony::console {
namespace {

std::vector<std::string> to_std(const QStringList& list) {
  std::vector<std::string> out;
  for (const QString& s : list) out.push_back(s.toStdString());
  return out;
}

// "a, b ,c" → {"a", "b", "c"}
std::vector<std::string> list_of(const QLineEdit* edit) {
  QStringList out;
  for (const QString& part : edit->text().split(QLatin1Char(','))) {
    if (!part.trimmed().isEmpty()) out << part.trimmed();
  }
  return to_std(out);
}

QString explanation(CeremonyKind kind) {
  switch (kind) {
    case CeremonyKind::kInit:
      return QStringLiteral("Create trust root v1 from the ceremony plan: every custodian card "
                            "is checked, the signer keys are generated inside the signer HSM, "
                            "a root quorum signs. Writes trust-root-v1.json and its "
                            "transcript into the output folder.");
    case CeremonyKind::kApprove:
      return QStringLiteral("One custodian reviews a bundle (summary and the diff against the "
                            "last promotion) and signs a promotion statement with their card.");
    case CeremonyKind::kEnrollStation:
      return QStringLiteral("Register a station from its enrollment request: the "
                            "manufacturing CA certifies its device-CA key, a root quorum signs.");
    case CeremonyKind::kRotate:
      return QStringLiteral("Create trust root vN+1 from a new plan, signed by a threshold of "
                            "vN's root custodians and of vN+1's. Writes trust-root-vN+1.json.");
    case CeremonyKind::kRevoke:
      return QStringLiteral("Revoke keys, custodians, stations or bundle digests, signed by a "
                            "root quorum.");
  }
  return {};
}

}  // namespace

OpenCeremonyPage::OpenCeremonyPage(QWidget* parent) : QWidget(parent) {
  auto* layout = new QVBoxLayout(this);
  form_ = new QFormLayout;
  form_->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
  layout->addLayout(form_);

  kind_ = new QComboBox(this);
  kind_->setObjectName("ceremonyKind");
  for (CeremonyKind kind : kAllKinds) {
    kind_->addItem(QString::fromUtf8(kind_name(kind).data(),
                                     static_cast<qsizetype>(kind_name(kind).size())),
                   static_cast<int>(kind));
  }
  form_->addRow(QStringLiteral("&Ceremony:"), kind_);
  explain_ = new QLabel(this);
  explain_->setWordWrap(true);
  form_->addRow(QString(), explain_);

  create_fields();

  form_->addRow(QStringLiteral("&Plan:"), plan_);
  form_->addRow(QStringLiteral("Previous pla&n (optional):"), previous_plan_);
  form_->addRow(QStringLiteral("&Trust root chain (v1 … vN):"), trust_roots_);
  form_->addRow(QStringLiteral("Re&vocations (optional):"), revocations_);
  form_->addRow(QStringLiteral("&Bundle to approve:"), bundle_);
  form_->addRow(QStringLiteral("Diff &against (optional):"), against_);
  form_->addRow(QStringLiteral("Promotion &history (optional):"), history_);
  form_->addRow(QStringLiteral("Approving c&ustodian:"), custodian_);
  form_->addRow(QStringLiteral("C&hannel:"), channel_);
  form_->addRow(QStringLiteral("Change re&quest id:"), request_id_);
  form_->addRow(QStringLiteral("Valid &days:"), valid_days_);
  form_->addRow(QStringLiteral("&Enrollment request:"), enrollment_);
  form_->addRow(QStringLiteral("Revoke &keys:"), revoke_keys_);
  form_->addRow(QStringLiteral("Revoke custodia&ns:"), revoke_custodians_);
  form_->addRow(QStringLiteral("Revoke &stations:"), revoke_stations_);
  form_->addRow(QStringLiteral("Revoke bundle di&gests:"), revoke_bundles_);
  form_->addRow(QStringLiteral("&Reason:"), reason_);
  form_->addRow(QStringLiteral("Custodians &present:"), present_);
  form_->addRow(QStringLiteral("&Output folder:"), out_);
  form_->addRow(QStringLiteral("Output fi&le:"), out_file_);

  start_ = new QPushButton(QStringLiteral("&Start the ceremony (Ctrl+Enter)"), this);
  start_->setObjectName("startCeremony");
  start_->setDefault(true);
  start_->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Return));
  QFont f = start_->font();
  f.setBold(true);
  f.setPointSizeF(std::max(f.pointSizeF(), 11.0) * 1.2);
  start_->setFont(f);
  layout->addWidget(start_, 0, Qt::AlignLeft);
  layout->addStretch(1);

  connect(kind_, &QComboBox::currentIndexChanged, this, [this] { update_rows(); });
  connect(plan_, &FileField::changed, this, &OpenCeremonyPage::planChanged);
  connect(start_, &QPushButton::clicked, this, &OpenCeremonyPage::startRequested);
  // Enter in any line edit starts, as the default button would in a dialog.
  for (QLineEdit* e : findChildren<QLineEdit*>()) {
    connect(e, &QLineEdit::returnPressed, this, &OpenCeremonyPage::startRequested);
  }
  update_rows();
}

// The files and values of every kind of ceremony (update_rows shows those of the kind
// chosen), created in the form's tab order.
void OpenCeremonyPage::create_fields() {
  using Mode = FileField::Mode;
  plan_ = new FileField(Mode::kOpenFile, QStringLiteral("Ceremony plan"), this);
  plan_->setObjectName("planFile");
  previous_plan_ = new FileField(Mode::kOpenFile, QStringLiteral("Previous plan"), this);
  trust_roots_ = new FileField(Mode::kOpenFiles, QStringLiteral("Trust root chain"), this);
  trust_roots_->setObjectName("trustRootFiles");
  revocations_ = new FileField(Mode::kOpenFiles, QStringLiteral("Revocations"), this);
  bundle_ = new FileField(Mode::kOpenFile, QStringLiteral("Bundle"), this);
  against_ = new FileField(Mode::kOpenFile, QStringLiteral("Previous promoted bundle"), this);
  history_ = new FileField(Mode::kFolder, QStringLiteral("Promotion history"), this);
  custodian_ = new QLineEdit(this);
  channel_ = new QLineEdit(this);
  request_id_ = new QLineEdit(this);
  valid_days_ = new QSpinBox(this);
  valid_days_->setRange(1, 365);
  valid_days_->setValue(static_cast<int>(kDefaultApprovalDays));
  enrollment_ = new FileField(Mode::kOpenFile, QStringLiteral("Enrollment request"), this);
  revoke_keys_ = new QLineEdit(this);
  revoke_custodians_ = new QLineEdit(this);
  revoke_stations_ = new QLineEdit(this);
  revoke_bundles_ = new QLineEdit(this);
  reason_ = new QLineEdit(this);
  present_ = new QLineEdit(this);
  present_->setObjectName("presentCustodians");
  present_->setPlaceholderText(QStringLiteral("everyone in the plan"));
  out_ = new FileField(Mode::kFolder, QStringLiteral("Output folder"), this);
  out_->setObjectName("outputFolder");
  out_file_ = new FileField(Mode::kSaveFile, QStringLiteral("Output file"), this);
  out_file_->setObjectName("outputFile");
  for (QLineEdit* e : {revoke_keys_, revoke_custodians_, revoke_stations_, revoke_bundles_}) {
    e->setPlaceholderText(QStringLiteral("comma-separated"));
  }
}

CeremonyKind OpenCeremonyPage::kind() const {
  return static_cast<CeremonyKind>(kind_->currentData().toInt());
}

void OpenCeremonyPage::set_kind(CeremonyKind kind) {
  kind_->setCurrentIndex(kind_->findData(static_cast<int>(kind)));
}

void OpenCeremonyPage::update_rows() {
  const CeremonyKind k = kind();
  const bool init = k == CeremonyKind::kInit;
  const bool approve = k == CeremonyKind::kApprove;
  const bool rotate = k == CeremonyKind::kRotate;
  const bool revoke = k == CeremonyKind::kRevoke;
  const bool enroll = k == CeremonyKind::kEnrollStation;
  explain_->setText(explanation(k));
  form_->setRowVisible(previous_plan_, rotate);
  form_->setRowVisible(trust_roots_, !init);
  form_->setRowVisible(revocations_, !init);
  for (QWidget* w : std::initializer_list<QWidget*>{bundle_, against_, history_, custodian_,
                                                    channel_, request_id_, valid_days_}) {
    form_->setRowVisible(w, approve);
  }
  form_->setRowVisible(enrollment_, enroll);
  for (QWidget* w : std::initializer_list<QWidget*>{revoke_keys_, revoke_custodians_,
                                                    revoke_stations_, revoke_bundles_, reason_}) {
    form_->setRowVisible(w, revoke);
  }
  form_->setRowVisible(present_, !approve);
  form_->setRowVisible(out_, init || rotate);
  form_->setRowVisible(out_file_, !(init || rotate));
}

CeremonyRequest OpenCeremonyPage::request() const {
  CeremonyRequest r;
  r.kind = kind();
  r.plan = plan_->text().toStdString();
  r.previous_plan = previous_plan_->text().toStdString();
  if (r.kind != CeremonyKind::kInit) {
    r.trust_roots = to_std(trust_roots_->paths());
    r.revocations = to_std(revocations_->paths());
  }
  r.bundle = bundle_->text().toStdString();
  r.against = against_->text().toStdString();
  r.history = history_->text().toStdString();
  r.custodian = custodian_->text().trimmed().toStdString();
  r.channel = channel_->text().trimmed().toStdString();
  r.request_id = request_id_->text().trimmed().toStdString();
  r.valid_days = static_cast<std::uint32_t>(valid_days_->value());
  r.enrollment_request = enrollment_->text().toStdString();
  r.revoke.key_ids = list_of(revoke_keys_);
  r.revoke.custodians = list_of(revoke_custodians_);
  r.revoke.station_ids = list_of(revoke_stations_);
  r.revoke.bundle_digests_hex = list_of(revoke_bundles_);
  r.revoke.reason = reason_->text().trimmed().toStdString();
  if (r.kind != CeremonyKind::kApprove) r.present = list_of(present_);
  const bool folder = r.kind == CeremonyKind::kInit || r.kind == CeremonyKind::kRotate;
  r.out = (folder ? out_ : out_file_)->text().toStdString();
  return r;
}

}  // namespace hallmark::ceremony::console
