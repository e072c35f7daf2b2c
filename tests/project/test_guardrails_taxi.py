"""The taxi data's traps, found by the factory with no hand-typed list:
the Guardrails name payment_type "Cash" (tips on cash trips are not
recorded), the model card says not to use the model there, and `predict`
flags 2016 trips of companies the model never saw. Project tests may name
the data's columns and levels."""
from pipeline import __main__ as cli
from pipeline.operations import lineage, predict
from tests import project_data


def test_the_guardrails_name_cash_payments_with_their_numbers(first_run):
  facts = lineage.explain(first_run.store(), first_run.report.pushed_version)
  cash = [f for f in facts["guardrails"]["findings"]
          if f["feature"] == "payment_type" and f["figures"].get("level") == "Cash"]
  assert len(cash) == 1 and cash[0]["check"] == "level_fixes_label"
  figures = cash[0]["figures"]
  assert figures["positive_rate"] < 0.01 and figures["positive_rate_overall"] > 0.1
  assert 0.3 < figures["level_share"] < 0.8
  assert '"payment_type" level "Cash"' in cash[0]["message"]
  assert any("payment_type" in line and "Cash" in line for line in first_run.report.guardrails)


def test_predict_flags_2016_trips_of_companies_never_seen_in_training(first_run, tmp_path, capsys):
  envelope = predict.read_envelope(first_run.report.pushed_path)
  trips = project_data.read_span(2016)
  new = trips[(trips["company"] != "") & ~trips["company"].isin(envelope["levels"]["company"])]
  assert len(new) >= 5
  csv_path = tmp_path / "new_companies.csv"
  new.head(5).to_csv(csv_path, index=False)
  assert cli.main(["predict", "--csv", str(csv_path),
                   "--output-dir", str(first_run.paths.output_dir)]) == 0
  rows = [l for l in capsys.readouterr().out.splitlines() if l.startswith("line ")]
  assert len(rows) == 5
  for line, company in zip(rows, new.head(5)["company"]):
    assert ("  caution" in line or "  out-of-scope" in line), line
    assert f"company = {company!r} was never seen in training" in line
