from sqlalchemy import Engine, text


def test_it_creates_the_schema_on_both_databases(any_engine: Engine) -> None:
    with any_engine.connect() as connection:
        count = connection.execute(text("SELECT COUNT(*) FROM patients")).scalar_one()

    assert count == 0
