pub mod provenance_set;
