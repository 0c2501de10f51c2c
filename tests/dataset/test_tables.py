import pickle

import pytest

from siqa.dataset.errors import TableError
from siqa.dataset.tables import RootTables


def test_column_mapping_renames_release_columns_to_canonical_names(tmp_path):
    (tmp_path / "interactions.csv").write_text("key,session,prompt_text,site\n"
                                               "V00_S0001_I00000001,V00_S0001,hello,V00\n")
    tables = RootTables.load(tmp_path, {"interactions": {"interaction_key": "key", "session_key": "session",
                                                         "prompt": "prompt_text"}})
    row = tables.interactions.iloc[0]
    assert (row["interaction_key"], row["session_key"], row["prompt"]) == ("V00_S0001_I00000001", "V00_S0001", "hello")
    assert row["site"] == "V00"  # columns outside the mapping are kept


def test_cells_stay_text(tmp_path):
    (tmp_path / "filelist.csv").write_text("file_id,label,split,batch_idx,archive_idx\n"
                                           "V00_S0001_I00000001_P0001,improvised,dev,0003,NA\n")
    row = RootTables.load(tmp_path).filelist.iloc[0]
    assert (row["batch_idx"], row["archive_idx"]) == ("0003", "NA")


def test_a_file_column_bearing_a_mapped_canonical_name_is_kept_aside(tmp_path):
    (tmp_path / "participants.csv").write_text("participant_id,pid\nlegacy-7,P0001\n")
    participants = RootTables.load(tmp_path, {"participants": {"participant_id": "pid"}}).participants
    assert participants.to_dict("records") == [{"participant_id_unmapped": "legacy-7", "participant_id": "P0001"}]


def test_missing_column_names_file_column_and_where_to_map_it(tmp_path):
    (tmp_path / "participants.csv").write_text("pid,age\nP0001,31\n")
    with pytest.raises(TableError) as error:
        _ = RootTables.load(tmp_path).participants
    message = str(error.value)
    assert "participants.csv" in message and "'participant_id'" in message and "pid, age" in message
    assert "[tables.participants.columns]" in message


def test_mapped_column_missing_names_the_release_name(tmp_path):
    (tmp_path / "relationships.csv").write_text("session_key,participant_a,participant_b,relationship\n")
    with pytest.raises(TableError, match="missing column 'rel' \\(for 'relationship'\\)"):
        _ = RootTables.load(tmp_path, {"relationships": {"relationship": "rel"}}).relationships


@pytest.mark.parametrize("content", [
    b'file_id,label,split,batch_idx,archive_idx\n"V00_S1_I1_P1,x,dev,0,0\n',  # open quote
    b"file_id,label,split,batch_idx,archive_idx\nV00_S1_I1_P1,x,dev,0,0,extra\n",  # too many fields
    b"",  # empty
    "file_id,label\ncaf\xe9,x\n".encode("latin-1"),  # not UTF-8
])
def test_malformed_csv_names_the_file(tmp_path, content):
    (tmp_path / "filelist.csv").write_bytes(content)
    with pytest.raises(TableError, match="filelist.csv"):
        _ = RootTables.load(tmp_path).filelist


def test_tables_are_optional_lazy_and_picklable(tmp_path):
    tables = RootTables.load(tmp_path, {"participants": {"participant_id": "pid"}})
    assert tables.relationships is None
    (tmp_path / "participants.csv").write_text("pid\nP0001\n")  # written after load(): read on first access
    clone = pickle.loads(pickle.dumps(tables))
    assert list(clone.participants["participant_id"]) == ["P0001"]
    with pytest.raises(KeyError, match="unknown root table"):
        tables.table("people")


def test_a_row_with_an_extra_field_is_an_error_not_a_shifted_table(tmp_path):
    (tmp_path / "filelist.csv").write_text("file_id,label,split,batch_idx,archive_idx\n"
                                           "V00_S0001_I00000001_P0001,improvised,dev,0,0,oops\n")
    with pytest.raises(TableError, match="line 2 has 6 fields, the header 5"):
        _ = RootTables.load(tmp_path).filelist


def test_short_rows_are_padded_and_a_bom_is_not_part_of_the_first_column(tmp_path):
    (tmp_path / "participants.csv").write_bytes("\ufeffparticipant_id,age\nP0001\n\nP0002,40\n".encode())
    assert RootTables.load(tmp_path).participants.to_dict("records") == [
        {"participant_id": "P0001", "age": ""}, {"participant_id": "P0002", "age": "40"}]
