import pytest
from hypothesis import given
from hypothesis import strategies as st

from siqa.dataset.ids import BadFileId, FileId, interaction_key_in, session_of_key, site_of_key

digits = st.text("0123456789", min_size=1, max_size=8)


@given(digits, digits, digits, digits)
def test_parse_round_trips_every_valid_id(v, s, i, p):
    text = f"V{v}_S{s}_I{i}_P{p}"
    fid = FileId.parse(text)
    assert str(fid) == text
    assert fid.interaction_key == f"V{v}_S{s}_I{i}" and fid.session_key == f"V{v}_S{s}" and fid.site == f"V{v}"
    assert site_of_key(fid.interaction_key) == fid.site and session_of_key(str(fid)) == fid.session_key


@given(st.text(max_size=40))
def test_parse_rejects_anything_that_is_not_exactly_an_id(text):
    if FileId.search(text) is not None and str(FileId.search(text)) == text:
        assert FileId.parse(text) == FileId.search(text)
    else:
        with pytest.raises(BadFileId):
            FileId.parse(text)


def test_search_finds_the_id_inside_paths_and_members():
    assert str(FileId.search("dev/0000/0003.tar:V00_S0809_I00000582_P0947.wav")) == "V00_S0809_I00000582_P0947"
    assert interaction_key_in("V01_S0005_I00000019_Px0102.json") == "V01_S0005_I00000019"
    assert FileId.search("V01_S0005_I00000019_Px0102.json") is None


def test_ids_sort_by_site_session_interaction_participant():
    ids = [FileId.parse(t) for t in ("V01_S0002_I00000001_P0001", "V00_S0009_I00000009_P0009",
                                     "V01_S0001_I00000005_P0002")]
    assert [str(i) for i in sorted(ids)] == ["V00_S0009_I00000009_P0009", "V01_S0001_I00000005_P0002",
                                             "V01_S0002_I00000001_P0001"]


@given(st.builds(FileId, digits, digits, digits, digits))
def test_every_file_id_survives_its_text_form(fid):
    assert FileId.parse(str(fid)) == fid and FileId.search(f"a/b/0001.tar:{fid}.wav") == fid
