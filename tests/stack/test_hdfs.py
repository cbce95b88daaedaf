"""HDFS through WebHDFS (with the NameNode -> DataNode redirect) using the `hdfs` package."""
import pytest

pytestmark = pytest.mark.integration


def test_write_list_read(hdfs_client, hdfs_path):
    payload = ("hashtag,count\n" + "".join(f"tag{i},{i}\n" for i in range(2000))).encode()
    hdfs_client.write(f"{hdfs_path}/a/counts.csv", data=payload)
    hdfs_client.write(f"{hdfs_path}/a/other.txt", data=b"x")
    assert sorted(hdfs_client.list(f"{hdfs_path}/a")) == ["counts.csv", "other.txt"]
    assert hdfs_client.status(f"{hdfs_path}/a/counts.csv")["length"] == len(payload)
    with hdfs_client.read(f"{hdfs_path}/a/counts.csv") as reader:
        assert reader.read() == payload
    hdfs_client.rename(f"{hdfs_path}/a/other.txt", f"{hdfs_path}/a/moved.txt")
    assert sorted(hdfs_client.list(f"{hdfs_path}/a")) == ["counts.csv", "moved.txt"]


def test_missing_path_is_reported(hdfs_client, hdfs_path):
    from hdfs.util import HdfsError

    with pytest.raises(HdfsError, match="does not exist"):
        hdfs_client.status(f"{hdfs_path}/nope")
