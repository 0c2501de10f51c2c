import pytest

from siqa.dataset.errors import TableError
from siqa.dataset.tables import RootTables


def test_column_mapping_renames_release_columns_to_canonical_names(tmp_path):
    (tmp_path / "interactions.csv").write_text("key,session,prompt_text\nV00_S0001_I00000001,V00_S0001,hello\n")
    tables = RootTables.load(tmp_path, {"interactions": {"interaction_key": "key", "session_key": "session",
                                                         "prompt": "prompt_text"}})
    row = tables.interactions.iloc[0]
    assert (row["interaction_key"], row["session_key"], row["prompt"]) == ("V00_S0001_I00000001", "V00_S0001", "hello")


def test_missing_column_names_file_column_and_where_to_map_it(tmp_path):
    (tmp_path / "participants.csv").write_text("pid,age\nP0001,31\n")
    with pytest.raises(TableError) as error:
        RootTables.load(tmp_path).participants
    message = str(error.value)
    assert "participants.csv" in message and "'participant_id'" in message and "pid" in message
    assert "[tables.participants.columns]" in message


def test_absent_table_is_none_and_quoting_errors_name_the_file(tmp_path):
    assert RootTables.load(tmp_path).relationships is None
    (tmp_path / "filelist.csv").write_text('file_id,label,split,batch_idx,archive_idx\n"V00_S1_I1_P1,x,dev,0,0\n')
    with pytest.raises(TableError, match="filelist.csv"):
        RootTables.load(tmp_path).filelist
